"""Training on the real AV-Digits data path, with tiny models (width 8, depth 1, 2 heads):
determinism, the per-epoch training data (match pairs, mixed corruption, digit targets),
modality dropout, keeping the best validation epoch and stopping early."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import fusion.training.loop as train_module
from fusion.models.configs import model_config
from fusion.models.config import ModelConfig
from fusion.data.avdigits import STANDARD_CORRUPTION
from fusion.tasks.splits import TensorSplit, caption_vocabulary, tensor_split
from fusion.training.loop import (
    EpochRecord,
    TrainSettings,
    drop_modalities,
    epoch_data,
    match_pairs,
    mixed_corruption,
    train_model,
)

SMALL = TrainSettings(epochs=2, batch_size=256)
DEFAULT_MIX = TrainSettings().corruption_mix


def small_config(task: str, name: str) -> ModelConfig:
    return model_config(f"{task}-{name}-tiny")


def same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def digits_train() -> TensorSplit:
    """The clean digits training split: the images and clips that match pairs are drawn from."""
    return tensor_split("digits", "train", {}, 0, caption_vocabulary())


def audio_digits_of(audio: torch.Tensor, digits: TensorSplit) -> torch.Tensor:
    """The spoken digit of each row of ``audio``, found by looking the row up among the clean
    training clips (KeyError if a row is not a training clip)."""
    digit_of: dict[bytes, int] = {}
    for row, digit in zip(digits.inputs["audio"], digits.raw.audio_digit):
        key = row.numpy().tobytes()
        assert digit_of.setdefault(key, int(digit)) == int(digit), "two digits with the same spectrogram"
    return torch.tensor([digit_of[row.numpy().tobytes()] for row in audio])


# ------------------------------------------------------------------------------------ determinism
@pytest.mark.parametrize(("task", "name"), [("digits", "late"), ("match", "early")])
def test_training_is_deterministic_per_seed_and_differs_between_seeds(task: str, name: str) -> None:
    config = small_config(task, name)
    first = train_model(config, SMALL, progress=False)
    torch.manual_seed(12345)  # the global RNG state must not matter: training seeds itself
    torch.rand(100)
    second = train_model(config, SMALL, progress=False)
    assert same_state(first.model.state_dict(), second.model.state_dict())
    assert first.history == second.history
    assert first.best_epoch == second.best_epoch
    assert len(first.history) == SMALL.epochs
    assert [r.epoch for r in first.history] == list(range(1, SMALL.epochs + 1))
    assert all(np.isfinite(r.loss) and 0.0 <= r.val_accuracy <= 1.0 for r in first.history)

    other = train_model(config, TrainSettings(epochs=2, batch_size=256, seed=1), progress=False)
    state, other_state = first.model.state_dict(), other.model.state_dict()
    assert state.keys() == other_state.keys()
    assert not same_state(state, other_state)


# ------------------------------------------------------------------------------------ match pairs
def test_match_pairs_are_half_positive_and_labelled_by_the_digits(digits_train: TensorSplit) -> None:
    inputs, labels, sides = match_pairs(digits_train, 3)
    total = len(digits_train)
    assert labels.shape == (total,)
    assert int(labels.sum()) == total // 2
    assert set(labels.tolist()) == {0, 1}
    # the image side is every training image, in order
    assert torch.equal(inputs["image"], digits_train.inputs["image"])
    assert torch.equal(sides["image"], torch.as_tensor(digits_train.raw.image_digit))
    # the audio side is a training clip; label 1 exactly when it speaks the image's digit
    spoken = audio_digits_of(inputs["audio"], digits_train)
    image_digit = torch.as_tensor(digits_train.raw.image_digit)
    assert torch.equal(labels, (spoken == image_digit).long())
    assert torch.equal(sides["audio"], spoken)
    assert set(inputs) == {"image", "audio"}


def test_match_pairs_are_deterministic_per_seed(digits_train: TensorSplit) -> None:
    inputs, labels, sides = match_pairs(digits_train, 3)
    again = match_pairs(digits_train, 3)
    assert torch.equal(labels, again[1])
    assert torch.equal(inputs["audio"], again[0]["audio"])
    assert torch.equal(sides["audio"], again[2]["audio"])
    other_inputs, other_labels, _ = match_pairs(digits_train, 4)
    assert not torch.equal(labels, other_labels)
    assert not torch.equal(inputs["audio"], other_inputs["audio"])


# ------------------------------------------------------------------------------ mixed corruption
def corruption_versions(config: ModelConfig, draw: int, factors: list[float]) -> list[TensorSplit]:
    standard = STANDARD_CORRUPTION[config.task]
    return [
        tensor_split(config.task, "train", {m: level * factor for m, level in standard.items()}, draw, config.vocabulary)
        for factor in factors
    ]


def version_of_each_row(mixed: dict[str, torch.Tensor], versions: list[TensorSplit]) -> torch.Tensor:
    """[N, V] bool: row i equals row i of version v in every modality."""
    columns = []
    for version in versions:
        equal = torch.ones(len(version), dtype=torch.bool)
        for m, values in version.inputs.items():
            equal &= (mixed[m] == values).flatten(1).all(1)
        columns.append(equal)
    return torch.stack(columns, dim=1)


@pytest.mark.parametrize("mix", [DEFAULT_MIX, ((1.0, 0.25), (0.0, 0.75))], ids=["default", "custom"])
def test_mixed_corruption_picks_whole_rows_of_each_level_in_the_configured_shares(mix) -> None:
    config = small_config("digits", "late")
    draw = 7
    mixed = mixed_corruption(config, draw, mix)
    versions = corruption_versions(config, draw, [factor for factor, _ in mix])
    assert set(mixed) >= set(config.modalities)
    for m in config.modalities:
        assert mixed[m].shape == versions[0].inputs[m].shape
    matches = version_of_each_row(mixed, versions)
    assert matches.any(1).all(), "every row must be one version's row, in all its modalities"
    unique = matches.sum(1) == 1
    assert unique.float().mean() > 0.95, "the levels should give different inputs"
    counts = matches[unique].sum(0).float() / unique.sum()
    for (factor, share), measured in zip(mix, counts.tolist()):
        assert abs(measured - share) <= 0.06, (factor, share, measured)
    again = mixed_corruption(config, draw, mix)
    assert all(torch.equal(mixed[m], again[m]) for m in mixed)


def test_digits_epoch_data_has_true_labels_no_digit_targets_and_refreshes_its_corruption() -> None:
    config = small_config("digits", "late")
    settings = TrainSettings(epochs=10, batch_size=256, corruption_refresh=5)
    inputs, labels, sides = epoch_data(config, 0, settings)
    assert sides == {}
    clean = tensor_split("digits", "train", {}, 0, config.vocabulary)
    assert torch.equal(labels, torch.as_tensor(clean.raw.image_digit))
    assert torch.equal(labels, torch.as_tensor(clean.raw.audio_digit))
    same_draw, _, _ = epoch_data(config, 4, settings)
    fresh, fresh_labels, _ = epoch_data(config, 5, settings)
    assert all(torch.equal(inputs[m], same_draw[m]) for m in config.modalities)
    assert not torch.equal(inputs["image"], fresh["image"])
    assert not torch.equal(inputs["audio"], fresh["audio"])
    assert torch.equal(labels, fresh_labels)


def test_match_epoch_data_has_true_per_modality_digit_targets(digits_train: TensorSplit) -> None:
    config = small_config("match", "early")
    inputs, labels, sides = epoch_data(config, 0, TrainSettings(epochs=1, batch_size=256))
    assert set(sides) == {"image", "audio"}
    assert all(len(v) == len(labels) > 0 for v in sides.values())
    assert torch.equal(inputs["image"], digits_train.inputs["image"])
    assert torch.equal(sides["image"], torch.as_tensor(digits_train.raw.image_digit))
    spoken = audio_digits_of(inputs["audio"], digits_train)
    assert torch.equal(sides["audio"], spoken)
    assert torch.equal(labels, (sides["image"] == spoken).long())
    assert int(labels.sum()) == len(labels) // 2


@pytest.mark.parametrize(("task", "name", "probes"), [("match", "early", 2), ("digits", "late", 0)])
def test_digit_probes_are_trained_only_on_match(monkeypatch, task: str, name: str, probes: int) -> None:
    optimized: list[list[torch.nn.Parameter]] = []
    initial: dict[int, torch.Tensor] = {}
    real_adamw = torch.optim.AdamW

    def recording_adamw(params, *args, **kwargs):
        params = list(params)
        optimized.append(params)
        initial.update({id(p): p.detach().clone() for p in params})
        return real_adamw(params, *args, **kwargs)

    monkeypatch.setattr(torch.optim, "AdamW", recording_adamw)
    result = train_model(small_config(task, name), TrainSettings(epochs=1, batch_size=256), progress=False)
    assert len(optimized) == 1
    model_ids = {id(p) for p in result.model.parameters()}
    assert model_ids <= {id(p) for p in optimized[0]}, "every model parameter is trained"
    extra = [p for p in optimized[0] if id(p) not in model_ids]
    width = result.model.config.width
    assert sorted(tuple(p.shape) for p in extra) == sorted([(10, width), (10,)] * probes)
    # the probes take part in the loss: they receive gradients, so the optimizer moves them
    assert all(not torch.equal(p.detach(), initial[id(p)]) for p in extra)


# ------------------------------------------------------------------------------ modality dropout
def test_drop_modalities_keeps_with_probability_one_minus_p() -> None:
    modalities = ["audio", "image", "text"]
    keep_all = drop_modalities(modalities, 1000, 0.0, torch.Generator().manual_seed(0))
    assert set(keep_all) == set(modalities)
    assert all(v.dtype == torch.bool and v.shape == (1000,) and v.all() for v in keep_all.values())
    drop_all = drop_modalities(modalities, 1000, 1.0, torch.Generator().manual_seed(0))
    assert all(not v.any() for v in drop_all.values())
    some = drop_modalities(modalities, 20000, 0.3, torch.Generator().manual_seed(0))
    for m, kept in some.items():
        assert abs((~kept).float().mean().item() - 0.3) < 0.02, m
    assert not torch.equal(some["audio"], some["image"]), "modalities are dropped independently"
    again = drop_modalities(modalities, 20000, 0.3, torch.Generator().manual_seed(0))
    assert all(torch.equal(some[m], again[m]) for m in modalities)


# ------------------------------------------------------------------------ best epoch, stopping
def test_the_best_validation_epoch_is_returned_with_ties_to_the_earliest(monkeypatch) -> None:
    scripted = iter([0.5, 0.7, 0.7, 0.6])
    monkeypatch.setattr(train_module, "score", lambda model, data, present=None: {"accuracy": next(scripted)})
    built = []
    real_build = train_module.build_model
    monkeypatch.setattr(train_module, "build_model", lambda config: built.append(real_build(config)) or built[-1])
    snapshots: list[dict[str, torch.Tensor]] = []

    def on_epoch(record: EpochRecord) -> None:
        snapshots.append(copy.deepcopy(built[0].state_dict()))

    result = train_model(
        small_config("match", "early"),
        TrainSettings(epochs=4, batch_size=256),
        on_epoch=on_epoch,
        should_stop=lambda: False,
        progress=False,
    )
    assert [r.val_accuracy for r in result.history] == [0.5, 0.7, 0.7, 0.6]
    assert not result.stopped
    assert result.best_epoch == 2
    assert result.model is built[0]
    assert not result.model.training
    assert len(snapshots) == 4
    assert not same_state(snapshots[1], snapshots[3]), "weights should change between epochs"
    assert same_state(result.model.state_dict(), snapshots[1])


def test_best_epoch_is_the_first_maximum_of_the_real_validation_accuracy() -> None:
    from fusion.evaluation.accuracy import score

    config = small_config("digits", "late")
    result = train_model(config, TrainSettings(epochs=3, batch_size=256), progress=False)
    accuracies = [r.val_accuracy for r in result.history]
    assert result.best_epoch == 1 + accuracies.index(max(accuracies))
    val = tensor_split("digits", "val", None, 0, config.vocabulary)
    assert score(result.model, val)["accuracy"] == max(accuracies)


def test_should_stop_ends_training_after_the_epoch_it_returns_true() -> None:
    calls = []
    records = []

    def stop() -> bool:
        calls.append(True)
        return True

    result = train_model(
        small_config("match", "early"), TrainSettings(epochs=3, batch_size=256), on_epoch=records.append,
        should_stop=stop, progress=False,
    )
    assert result.stopped
    assert len(result.history) == 1
    assert len(calls) == 1
    assert records == result.history
    assert result.best_epoch == 1
