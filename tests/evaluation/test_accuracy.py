"""Scoring reads a model and never switches it: shared models stay exactly as they were."""

from __future__ import annotations

import pytest

from fusion.evaluation.accuracy import score
from fusion.models.configs import create_model
from fusion.tasks import get_task


def test_scoring_refuses_a_model_in_training_mode_and_leaves_its_mode_alone() -> None:
    model = create_model("match-early-tiny")
    split = get_task("match").split(model)
    with pytest.raises(ValueError, match="training mode"):
        score(model.train(), split)
    assert model.training  # not switched to eval behind the caller's back
    assert 0.0 <= score(model.eval(), split)["accuracy"] <= 1.0 and not model.training
