"""Calibration against cases whose answer is known, and on a shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from fusion.evaluation.calibration import calibration, model_calibration
from fusion.models.checkpoints import load_models
from fusion.tasks import get_task


def test_a_model_right_as_often_as_it_is_confident_has_no_calibration_error() -> None:
    rng = np.random.default_rng(0)
    confidence = np.repeat([0.55, 0.75, 0.95], 2000)
    labels = np.zeros(len(confidence), dtype=int)
    right = rng.random(len(confidence)) < confidence  # right with probability = confidence
    probabilities = np.stack([np.where(right, confidence, 1 - confidence), np.where(right, 1 - confidence, confidence)], 1)
    result = calibration(probabilities, labels)
    assert result.ece < 0.02 and sum(result.counts) == result.n == 6000
    for acc, conf in zip(result.accuracy, result.confidence):
        assert abs(acc - conf) < 0.04


def test_an_overconfident_model_has_the_gap_as_its_error() -> None:
    probabilities = np.tile([0.9, 0.1], (100, 1))  # always 90 % sure of class 0
    labels = np.array([0] * 60 + [1] * 40)  # right 60 % of the time
    result = calibration(probabilities, labels)
    assert result.ece == pytest.approx(0.3) and result.counts == (100,) and result.edges == ((0.9, 1.0),)
    with pytest.raises(ValueError):
        calibration(np.zeros((0, 2)), np.zeros(0))


def test_a_shipped_model_has_a_calibration_error_between_0_and_1() -> None:
    model = load_models("match", ["early"])["early"]
    result = model_calibration(model, get_task("match"))
    assert 0 <= result.ece <= 1 and result.n == 360 and all(0 <= a <= 1 for a in result.accuracy)
