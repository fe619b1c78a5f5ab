"""Reliance per group on cases whose answers are known: Wilson intervals against hand-computed
values, batched Shapley values against the one-sample explainer, accuracy and counts per group
against direct counting, and a perceptual score of exactly 0 for a modality that is the same in
every row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from fusion.errors import ConfigError
from fusion.evaluation.accuracy import predict_logits
from fusion.evaluation.reliance import SMALL_GROUP, describe_gap, reliance, row_shapley, wilson_interval
from fusion.explain.shapley import ModalityShapley
from fusion.models.config import ModelConfig
from fusion.models.strategies import build_model
from fusion.tasks import Task

ROWS = 40
GROUPS = ["a"] * 25 + ["b"] * 15


@dataclass(frozen=True)
class FakeSplit:
    inputs: dict
    labels: torch.Tensor
    present: dict | None = None

    def __len__(self) -> int:
        return len(self.labels)


def fake_split(same_audio: bool = False) -> FakeSplit:
    generator = torch.Generator().manual_seed(0)
    audio = torch.randn(ROWS, 32, 60, generator=generator)
    if same_audio:
        audio = audio[:1].expand(ROWS, -1, -1).clone()
    inputs = {"audio": audio, "image": torch.rand(ROWS, 8, 8, generator=generator)}
    return FakeSplit(inputs, torch.randint(0, 10, (ROWS,), generator=generator))


@dataclass(frozen=True)
class FakeTask(Task):
    """Rows of a fixed split, in two groups (a: 25 rows, b: 15)."""

    same_audio: bool = False

    def split(self, model, split="test", corruption=None, seed=0):
        return fake_split(self.same_audio)

    def group_names(self):
        return ("site",)

    def groups(self, split="test"):
        return {"site": list(GROUPS)}


def fake_task(same_audio: bool = False) -> FakeTask:
    return FakeTask(name="fake", kind="built-in", modalities=("audio", "image"), classes=tuple("0123456789"),
                    same_audio=same_audio)


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    common = dict(task="digits", modalities=("audio", "image"), num_classes=10, width=8, depth=1, heads=2)
    return {"early": build_model(ModelConfig(strategy="early", operator="product", **common)).eval(),
            "late": build_model(ModelConfig(strategy="late", combiner="mean", **common)).eval()}


@pytest.mark.parametrize(("correct", "n", "low", "high"), [
    (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (50, 100, 0.4038, 0.5962), (81, 90, 0.8208, 0.9465)])
def test_wilson_interval_matches_hand_computed_values(correct, n, low, high):
    assert wilson_interval(correct, n) == pytest.approx((low, high), abs=5e-4)


def test_wilson_interval_holds_the_proportion_and_stays_in_the_unit_interval():
    for n in (1, 7, 30, 361):
        for correct in range(0, n + 1, max(1, n // 7)):
            low, high = wilson_interval(correct, n)
            assert 0.0 <= low <= correct / n <= high <= 1.0


def test_batched_shapley_equals_the_one_sample_explainer(models):
    data = fake_split()
    for model in models.values():
        predicted, phi = row_shapley(model, data)
        assert phi.shape == (2, ROWS)
        logits = predict_logits(model, data.inputs)
        assert torch.equal(predicted, logits.argmax(-1))
        for i in (0, 17, 39):
            one = ModalityShapley(model).attribute({m: v[i:i + 1] for m, v in data.inputs.items()}, target=int(predicted[i]))
            assert [one.values_probability[m] for m in model.modalities] == pytest.approx(phi[:, i].tolist(), abs=1e-5)
            # efficiency: the values add up to P(all) - P(none)
            assert float(phi[:, i].sum()) == pytest.approx(one.full_probability - one.empty_probability, abs=1e-5)


def test_per_group_numbers_follow_from_the_rows(models):
    result = reliance(fake_task(), models, "site", seeds=2)
    data = fake_split()
    groups = np.array(GROUPS)
    assert [(g.group, g.n, g.small) for g in result.groups] == [("a", 25, 25 < SMALL_GROUP), ("b", 15, True)]
    for name, model in models.items():
        correct = (predict_logits(model, data.inputs).argmax(-1) == data.labels).numpy()
        assert result.accuracy[name] == pytest.approx(correct.mean(), abs=1e-4)
        accuracies = {}
        for group in result.groups:
            entry = group.strategies[name]
            accuracies[group.group] = correct[groups == group.group].mean()
            assert entry.accuracy == pytest.approx(accuracies[group.group], abs=1e-4)
            low, high = entry.interval
            assert low <= entry.accuracy <= high
            assert sum(entry.shapley_share.values()) == pytest.approx(1.0, abs=1e-3)
            assert all(share >= 0 for share in entry.shapley_share.values())
        gap = result.accuracy_gap[name]
        assert gap.gap == pytest.approx(max(accuracies.values()) - min(accuracies.values()), abs=1e-4)
        assert accuracies[gap.high] >= accuracies[gap.low]


def test_shares_are_the_mean_absolute_shapley_shares(models):
    result = reliance(fake_task(), {"early": models["early"]}, "site", seeds=1)
    _, phi = row_shapley(models["early"], fake_split())
    magnitude = phi.abs().numpy()[:, np.array(GROUPS) == "b"].mean(1)
    expected = magnitude / magnitude.sum()
    assert list(result.groups[1].strategies["early"].shapley_share.values()) == pytest.approx(expected.tolist(), abs=1e-4)


def test_permuting_a_modality_that_is_the_same_in_every_row_costs_nothing(models):
    result = reliance(fake_task(same_audio=True), models, "site", seeds=3)
    for name in models:
        assert result.perceptual_score[name]["audio"] == 0.0
        assert all(g.strategies[name].perceptual_score["audio"] == 0.0 for g in result.groups)


def test_the_gap_is_told_in_words(models):
    result = reliance(fake_task(), models, "site", seeds=1)
    text = describe_gap(result)
    assert "site groups" in text and "fewer than 30 rows" in text
    for gap in (result.largest_accuracy_gap(), result.largest_share_gap()):
        assert gap.strategy in text and gap.high in text and gap.low in text
    assert result.largest_share_gap().gap == max(g.gap for g in result.share_gaps())


def test_a_task_without_groups_and_bad_settings_are_refused(models):
    plain = Task(name="plain", kind="built-in", modalities=("audio", "image"), classes=("a", "b"))
    with pytest.raises(ConfigError, match="has no group columns"):
        reliance(plain, models)
    with pytest.raises(ConfigError, match="no group column 'age'; choose one of: site"):
        reliance(fake_task(), models, "age")
    with pytest.raises(ConfigError, match="at least one permutation seed"):
        reliance(fake_task(), models, seeds=0)
