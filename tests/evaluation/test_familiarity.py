"""Familiarity: ordinary test rows are rarely flagged; noise is."""

from __future__ import annotations

import numpy as np
import pytest

from fusion.evaluation.familiarity import Familiarity, kth_distance, notices
from fusion.models.checkpoints import load_models
from fusion.tasks import Sample, get_task


@pytest.fixture(scope="module")
def fitted():
    model = load_models("digits", ["late"])["late"]
    return model, Familiarity.fit(model, get_task("digits"))


def test_kth_distance_is_the_distance_to_the_kth_nearest_row() -> None:
    reference = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(kth_distance(reference, np.array([[0.5]]), k=2), [0.5])
    np.testing.assert_allclose(kth_distance(reference, np.array([[0.5]]), k=3), [2.5])


def test_ordinary_test_rows_are_rarely_unfamiliar_and_noise_always_is(fitted) -> None:
    model, familiarity = fitted
    task = get_task("digits")
    flagged = sum(bool(notices(familiarity, model, task.sample(i))) for i in range(60))
    assert flagged <= 6  # calibrated at the validation split's 99th percentile, per modality
    noise = Sample({"image": np.random.default_rng(0).random((8, 8)).astype(np.float32), "text": "an even number"})
    said = notices(familiarity, model, noise)
    assert len(said) == 1 and said[0].startswith("The image is unlike the training data")
