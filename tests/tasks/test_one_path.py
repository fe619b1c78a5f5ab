"""One path from a row to every result: what ``explain --sample i`` (and Explore) analyse is exactly
what ``evaluate`` scores for row i, for every test row of every built-in task and every shipped model.

The explain side goes through the same functions as ``fusion.explain.analysis.explain_model``: the
task's row (``Task.sample``), then the model's inputs for that one sample (``sample_values_inputs``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fusion.cli import main
from fusion.evaluation.accuracy import evaluate
from fusion.models.checkpoints import load_models
from fusion.models.inputs import sample_values_inputs
from fusion.models.presets import model_names
from fusion.tasks import get_task


@pytest.mark.parametrize("task_name", ["digits", "match", "motion"])
def test_every_row_explained_alone_predicts_what_evaluate_predicts(task_name: str) -> None:
    task = get_task(task_name)
    models = load_models(task_name, model_names(task_name))
    expected = {name: evaluate(model, predictions=True)["predictions"] for name, model in models.items()}
    rows = [task.sample(i) for i in range(task.split_size("test"))]
    with torch.no_grad():
        for name, model in models.items():
            got = []
            for sample in rows:
                inputs, present = sample_values_inputs(model.config, [sample.values])
                got.append(int(model(inputs, present).logits[0].argmax()))
            mismatched = [i for i, (a, b) in enumerate(zip(got, expected[name])) if a != b]
            assert not mismatched, f"{task_name}/{name}: rows {mismatched[:10]} differ between explain and evaluate"


def test_the_reported_row_explains_like_evaluate_in_the_cli(capsys) -> None:
    """The review's reproducer: digits test row 14, early fusion, predicted 0 by explain and 6 by evaluate."""
    assert main(["evaluate", "--task", "digits", "--strategy", "early", "--json", "--predictions"]) == 0
    evaluated = json.loads(capsys.readouterr().out)["results"][0]
    assert len(evaluated["predictions"]) == evaluated["n"] == 360
    for row in (0, 14, 359):
        assert main(["explain", "--task", "digits", "--sample", str(row), "--strategy", "early", "--json"]) == 0
        explained = json.loads(capsys.readouterr().out)
        assert explained["strategies"]["early"]["predicted"] == evaluated["predictions"][row], row
    assert evaluated["predictions"][14] == get_task("digits").sample(14).label == 6


def test_a_row_alone_holds_the_same_values_as_its_row_of_the_split() -> None:
    from fusion.data.avdigits import load_task

    split = load_task("digits", "test", corruption=None)
    for row in (3, 14):
        sample = get_task("digits").sample(row)
        assert np.array_equal(sample.get("audio"), split.audio[row])
        assert np.array_equal(sample.get("image"), split.image[row])
        assert sample.get("text") == split.text[row] and sample.label == split.label[row]
