"""The faithfulness targets on the shipped models: for every fusion strategy of digits and match, the
image and audio attention maps beat random deletion (the 95 % interval of the difference lies above
0) and put at most 5 % of their mass on padding. Same settings as `python -m fusion faithfulness`.
And the figures recorded beside every shipped checkpoint (what a fresh checkout shows) are what the
test measures now."""

from __future__ import annotations

import pytest

from fusion.explain.faithfulness import deletion_settings, deletion_test, recorded_figures
from fusion.models.checkpoints import checkpoint_dir, load_checkpoint, shipped_root
from fusion.models.config import FUSION_STRATEGIES
from fusion.models.presets import model_names
from fusion.tasks import get_task

# Targets the shipped models do not meet (measured; see README "Faithfulness of the attention maps").
NOT_MET: dict[tuple[str, str, str], str] = {
    ("match", "late", "image"): "late fusion is at chance on match (its output does not depend on the "
                                "image); its image map: CI [-0.003, +0.001]",
}

CASES = [pytest.param(task, strategy, m, marks=[pytest.mark.xfail(strict=True, reason=NOT_MET[(task, strategy, m)])]
                      if (task, strategy, m) in NOT_MET else [], id=f"{task}-{strategy}-{m}")
         for task in ("digits", "match") for strategy in FUSION_STRATEGIES for m in ("audio", "image")]


@pytest.fixture(scope="module")
def figures() -> dict:
    cache: dict = {}

    def measure(task: str, strategy: str) -> dict:
        if (task, strategy) not in cache:
            model = load_checkpoint(checkpoint_dir(shipped_root(), task, strategy))
            split = get_task(task).split(model, "test", None, 0)
            cache[(task, strategy)] = (deletion_test(model, split), len(split))  # every row, as the command
        return cache[(task, strategy)]

    return measure


@pytest.mark.parametrize(("task", "strategy", "modality"), CASES)
def test_a_shipped_map_beats_random_deletion_and_skips_padding(figures, task, strategy, modality) -> None:
    by_modality, rows = figures(task, strategy)
    found = by_modality[modality]
    assert found.n == rows
    assert found.padding_share <= 0.05
    assert found.difference_ci[0] > 0, found


RECORDED = [(task, name) for task in ("digits", "match", "motion") for name in model_names(task)]


@pytest.mark.parametrize(("task", "name"), RECORDED, ids=[f"{t}-{n}" for t, n in RECORDED])
def test_the_recorded_figures_are_what_the_deletion_test_measures_now(figures, task, name) -> None:
    model = load_checkpoint(checkpoint_dir(shipped_root(), task, name))
    recorded = recorded_figures(name, model, deletion_settings(task))
    assert recorded is not None, f"no record of {task}/{name} for these weights: run `python -m tools.record_faithfulness`"
    fresh, _ = figures(task, name)
    assert set(recorded) == set(fresh) and fresh
    for modality, found in fresh.items():
        expected, got = found.to_dict(), recorded[modality]
        assert (got["n"], got["k"]) == (expected["n"], expected["k"])
        for field in ("attention_drop", "random_drop", "padding_share"):  # float sums may differ in the last bits by CPU
            assert got[field] == pytest.approx(expected[field], abs=1e-6), (modality, field)
        assert got["difference_ci"] == pytest.approx(expected["difference_ci"], abs=1e-6), modality
