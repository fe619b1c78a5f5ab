"""The deletion test tells a faithful map from an unfaithful one where the truth is known, never
counts attention on padding, and its interval is a real bootstrap interval."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from fusion.explain.faithfulness import (NotMeasured, RECORD, beats_random_text, bootstrap_interval, deletion_settings,
                                         deletion_test, recorded_figures, sample_drops, task_faithfulness)
from fusion.models.checkpoints import checkpoint_dir, load_checkpoint, shipped_root
from fusion.modalities.audio import padding_tokens
from fusion.modalities.image import NUM_PATCHES, to_patches
from fusion.models.strategies import build_model
from fusion.models.strategies.base import OWN, AttentionMap, FusionOutput

TRUTH = torch.tensor([0, 1, 4, 5])  # the 2x2 patches of the top-left quarter: the only ones the model reads


class KnownTruth(nn.Module):
    """An image model whose prediction reads exactly the TRUTH patches (class 1's logit is their
    summed intensity), with a hand-made [CLS] attention row: on the TRUTH patches (faithful), or on
    the other patches (unfaithful), in proportion to each patch's intensity."""

    attention_kind = OWN
    modalities = ["image"]

    def __init__(self, faithful: bool) -> None:
        super().__init__()
        self.looked_at = torch.zeros(NUM_PATCHES, dtype=torch.bool)
        self.looked_at[TRUTH] = True
        if not faithful:
            self.looked_at = ~self.looked_at
        self.eval()

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor] | None = None) -> FusionOutput:
        intensity = to_patches(inputs["image"]).sum(-1)  # [B, 16]
        evidence = intensity[:, TRUTH].sum(-1)
        logits = torch.stack([torch.full_like(evidence, 1.0), evidence], dim=-1)
        row = torch.where(self.looked_at, intensity + 1e-3, torch.zeros_like(intensity))
        row = torch.cat([torch.zeros_like(row[:, :1]), row / row.sum(-1, keepdim=True)], dim=-1)  # [B, 17]
        weights = torch.eye(1 + NUM_PATCHES).repeat(len(row), 1, 1, 1)
        weights[:, 0, 0] = row
        layout = (("cls", 0, 1), ("image", 1, 1 + NUM_PATCHES))
        return FusionOutput(logits, None, {"image.0": AttentionMap(weights, layout, layout)}, {})


@dataclass
class Split:
    inputs: dict[str, Tensor]

    def __len__(self) -> int:
        return len(next(iter(self.inputs.values())))


def test_a_map_on_what_the_model_reads_beats_random_and_a_map_elsewhere_does_not() -> None:
    images = torch.rand(40, 8, 8, generator=torch.Generator().manual_seed(0)) * 0.5
    split = Split({"image": images})
    faithful = deletion_test(KnownTruth(faithful=True), split, n=40)["image"]
    unfaithful = deletion_test(KnownTruth(faithful=False), split, n=40)["image"]
    assert faithful.n == unfaithful.n == 40 and faithful.k == 4
    assert faithful.difference_ci[0] > 0.05  # removing the read patches costs far more than chance
    assert unfaithful.attention_drop == pytest.approx(0.0, abs=1e-12)  # it removed only unread patches
    assert unfaithful.difference_ci[1] < 0  # ... so chance (which sometimes hits a read patch) does better
    assert faithful.padding_share == unfaithful.padding_share == 0.0  # images have no padding


@pytest.mark.parametrize(("strategy", "operator", "combiner"), [
    ("early", "concat", None), ("late", None, "mean"), ("hybrid", "product", None), ("hybrid", "bottleneck", None),
    ("unimodal", None, "mean")])
def test_no_attention_mass_on_audio_after_the_clip_for_any_strategy(tiny_config, make_inputs, strategy, operator, combiner):
    config = tiny_config("duo", strategy, operator, combiner)
    if strategy == "unimodal":
        config = config.replace(modalities=("audio",))
    model = build_model(config).eval()
    inputs = make_inputs(model.modalities, batch=6, seed=1)
    assert padding_tokens(inputs["audio"]).any(dim=1).sum() >= 4  # most rows have padding after their clip
    for row in range(6):
        one = {m: x[row : row + 1] for m, x in inputs.items()}
        drops = sample_drops(model, one)
        assert drops["audio"][2] == 0.0, row  # padding_share: exactly nothing on the padding
    figures = deletion_test(model, Split(inputs), n=6)["audio"]
    assert figures.padding_share == 0.0 and figures.n == 6


def test_a_deleted_audio_token_is_padding_to_the_model(tiny_config, make_inputs) -> None:
    """Deleting through the mask equals the clip without those frames: the model cannot tell."""
    from fusion.modalities.audio import PADDING, delete_audio_tokens

    model = build_model(tiny_config("duo", "late", None, "mean")).eval()
    inputs = make_inputs(model.modalities, batch=1, seed=4)
    valid = (~padding_tokens(inputs["audio"]))[0].nonzero().flatten()
    last = int(valid[-1])
    chosen = torch.zeros(1, padding_tokens(inputs["audio"]).shape[1], dtype=torch.bool)
    chosen[0, last] = True
    deleted = {**inputs, "audio": delete_audio_tokens(inputs["audio"], chosen)}
    shorter = {**inputs, "audio": inputs["audio"].clone()}
    shorter["audio"][..., 3 * last :] = PADDING  # the clip ending one token earlier
    with torch.no_grad():
        torch.testing.assert_close(model(deleted).logits, model(shorter).logits)
        assert not torch.allclose(model(deleted).logits, model(inputs).logits)


def test_the_bootstrap_interval_covers_the_mean_and_shrinks_with_more_samples() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.normal(0.3, 1.0, 50), rng.normal(0.3, 1.0, 2000)
    low, high = bootstrap_interval(small)
    assert low < small.mean() < high
    wide, narrow = high - low, np.subtract(*bootstrap_interval(large)[::-1])
    assert narrow < wide / 4  # about 1 / sqrt(40) as wide
    assert bootstrap_interval(np.full(10, 0.25)) == pytest.approx((0.25, 0.25))
    # about 95 % of intervals cover the true mean (the percentile bootstrap runs a little under at n = 40)
    covered = sum(lo < 0.3 < hi for lo, hi in (bootstrap_interval(rng.normal(0.3, 1.0, 40), seed=s) for s in range(200)))
    assert 170 <= covered <= 198


def test_the_text_beside_a_map_says_what_was_measured() -> None:
    figures = {"attention_drop": 0.31, "random_drop": 0.06, "difference_ci": [0.2, 0.3], "n": 200, "k": 4,
               "padding_share": 0.0}
    text = beats_random_text(figures)
    assert text.startswith("this map beats random deletion by +0.250") and "200 test samples" in text
    assert "k = 4 or half a sample's tokens if fewer" in text  # k is a cap (a 3-word caption loses 1 word)
    assert "does worse than" in beats_random_text({**figures, "difference_ci": [-0.2, -0.1]})
    assert "does not clearly beat" in beats_random_text({**figures, "difference_ci": [-0.1, 0.1]})
    assert beats_random_text(None) == "no deletion test for this map"


def test_a_shipped_record_is_read_on_an_empty_cache_for_its_own_weights_and_settings_only(tmp_path, monkeypatch) -> None:
    """A fresh checkout shows the shipped maps' figures; a retrained model or other settings are
    not given a record that is not theirs, and a damaged record counts as none."""
    model = load_checkpoint(checkpoint_dir(shipped_root(), "digits", "early"))
    found = task_faithfulness({"early": model}, "digits", cache_dir=tmp_path / "cold", measure=False)["early"]
    assert set(found) == {"audio", "image", "text"} and found["image"]["n"] == 360
    assert recorded_figures("early", model, deletion_settings("digits", k=2)) is None
    changed = load_checkpoint(checkpoint_dir(shipped_root(), "digits", "early"))
    with torch.no_grad():
        next(changed.parameters()).add_(1e-3)
    assert recorded_figures("early", changed, deletion_settings("digits")) is None
    with pytest.raises(NotMeasured):
        task_faithfulness({"early": changed}, "digits", cache_dir=tmp_path / "cold2", measure=False)

    # records in another root: a damaged one, or one of another shape, counts as none (a page never
    # meets half a record); one written anew is read at once (records are never copied into the cache)
    folder = tmp_path / "root" / "digits" / "early"
    folder.mkdir(parents=True)
    monkeypatch.setattr("fusion.models.checkpoints.shipped_root", lambda: tmp_path / "root")
    good = json.loads((checkpoint_dir(shipped_root(), "digits", "early") / RECORD).read_text())
    for damaged in ('{"fingerprint": [', json.dumps({**good, "figures": {"image": {"n": 1}}}),
                    json.dumps({**good, "figures": {"image": {**good["figures"]["image"], "difference_ci": "xy"}}})):
        (folder / RECORD).write_text(damaged, encoding="utf-8")
        assert recorded_figures("early", model, deletion_settings("digits")) is None
        with pytest.raises(NotMeasured):
            task_faithfulness({"early": model}, "digits", cache_dir=tmp_path / "cold3", measure=False)
    for drop in (0.5, 0.25):
        figures = {**good["figures"], "image": {**good["figures"]["image"], "attention_drop": drop}}
        (folder / RECORD).write_text(json.dumps({**good, "figures": figures}), encoding="utf-8")
        found = task_faithfulness({"early": model}, "digits", cache_dir=tmp_path / "cold4", measure=False)
        assert found["early"]["image"]["attention_drop"] == drop
    with pytest.raises(NotMeasured):  # the command's way: no records, only what this program measured
        task_faithfulness({"early": model}, "digits", cache_dir=tmp_path / "cold4", measure=False, records=False)
