"""The Learn page's examples are chosen by measuring, and show what they claim."""

from __future__ import annotations

from fusion.explain.analysis import shapley_shift
from fusion.explain.examples import largest_shift, rows_where
from fusion.models.checkpoints import load_models
from fusion.tasks import get_task


def test_the_match_example_is_a_row_where_late_fusion_fails_and_early_and_hybrid_do_not() -> None:
    task = get_task("match")
    models = load_models("match", ["early", "late", "hybrid"])
    rows = rows_where(models, task, right=["early", "hybrid"], wrong=["late"])
    assert len(rows) > 20  # late is at chance: about half of the rows
    for name, right in (("early", True), ("hybrid", True), ("late", False)):
        predicted = models[name]
        from fusion.explain.analysis import explain_model

        report = explain_model(predicted, task.sample(rows[0]))
        assert (report.predicted == task.sample(rows[0]).label) is right, name


def test_the_contribution_example_is_the_row_whose_audio_loses_the_most() -> None:
    task, model = get_task("digits"), load_models("digits", ["hybrid"])["hybrid"]
    row = largest_shift(model, task, {"audio": 1.0}, "audio", rows=40)
    shift = shapley_shift(model, row, {"audio": 1.0})
    drop = shift["clean"]["shapley"]["audio"] - shift["corrupted"]["shapley"]["audio"]
    assert shift["clean"]["predicted"] == shift["label"]
    for other in range(40):
        if other != row:
            case = shapley_shift(model, other, {"audio": 1.0})
            if case["clean"]["predicted"] == case["label"]:
                assert case["clean"]["shapley"]["audio"] - case["corrupted"]["shapley"]["audio"] <= drop + 1e-12
    assert drop > 0.3  # a shift a reader can see
