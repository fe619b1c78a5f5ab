"""The robustness grid includes each task's standard levels, so one point of every curve equals
the model's headline accuracy (the others stay at the standard corruption)."""

from __future__ import annotations

import pytest

from fusion.evaluation.robustness import DEFAULT_LEVELS, robustness, sweep_levels
from fusion.models.checkpoints import load_models
from fusion.tasks import get_task


def test_sweep_levels_add_the_standard_ones() -> None:
    assert sweep_levels((0.0, 0.5, 1.0), {"audio": 0.7, "image": 0.75, "text": 0.0}, ("audio", "image", "text")) == (
        0.0, 0.5, 0.7, 0.75, 1.0)
    assert sweep_levels((1.0, 0.0, 1.0), {}, ("text", "video")) == (0.0, 1.0)


def test_the_default_grid_has_the_headline_accuracy_on_every_curve() -> None:
    standard = get_task("digits").corruption(None)
    assert standard["audio"] not in DEFAULT_LEVELS  # the case the grid must fix
    assert standard["audio"] in sweep_levels(DEFAULT_LEVELS, standard, ("audio", "image", "text"))
    models = load_models("digits", ["early"])
    result = robustness(models, "digits", levels=(), split="val")  # the standard levels alone keep it quick
    assert standard["audio"] in result.levels and len(result.levels) == 3
    for modality, curve in result.curves["early"].items():
        point = curve[result.levels.index(standard.get(modality, 0.0))]
        assert point == pytest.approx(result.full["early"]), modality
