"""One lab run at the smallest settings (seconds): what it reports and that its numbers are consistent.
The full targets (late fails on synergy, measured PID near the truth) are checked by
tests/cli/test_pid_lab.py::test_lab_meets_its_targets_on_synergy, which runs the real command."""

import math

import pytest

from fusion.lab.experiment import LabSettings, lab_split, run_lab
from fusion.lab.generative import pure

SMALL = LabSettings(epochs=1, train_rows=128, test_rows=96, emap_rows=6, shapley_rows=4, clusters=3)


@pytest.fixture(scope="module")
def small_run():
    steps = []
    result = run_lab(pure("synergy"), SMALL, progress=lambda fraction, text: steps.append((fraction, text)))
    return result, steps


def test_a_small_run_reports_every_strategy_with_consistent_numbers(small_run):
    result, _ = small_run
    assert result["truth"]["synergy"] == pytest.approx(math.log2(3), abs=1e-3)
    assert set(result["strategies"]) == {"early", "late", "hybrid"}
    for row in result["strategies"].values():
        assert 0.0 <= row["accuracy"] <= 1.0 and 0.0 <= row["emap_nonadditive_share"] <= 1.0
        captured = row["captured"]
        atoms = captured["redundancy"] + sum(captured["uniqueness"].values()) + captured["synergy"]
        assert atoms == pytest.approx(captured["total"], abs=2e-3)
        assert set(row["shapley"]) == {"audio", "image"}
    measured = result["measured"]
    assert measured["n"] == SMALL.test_rows == result["n"]
    assert measured["total"] <= math.log2(3) + 0.5  # log2 3 bits of label, plus at most the plug-in bias of 3 x 3 x 3 cells
    assert result["units"]["pid"] == "bits"


def test_progress_rises_to_one(small_run):
    _, steps = small_run
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("training hybrid" in text for _, text in steps)


def test_lab_splits_pair_clean_rows_with_their_digits():
    split = lab_split("test", pure("redundancy"), 50, 0)
    assert len(split) == 50 and split.inputs["image"].shape[0] == 50
    assert (split.digits["image"] == split.digits["audio"]).all() and (split.labels == split.digits["image"]).all()
