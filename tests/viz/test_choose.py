"""Which figures Explore draws per result (fusion.viz.choose): the same rows for built-in models
and heads, aligned side by side, placeholders where a model has no chart."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fusion.explain.analysis import explain_model, input_views
from fusion.models.checkpoints import load_models
from fusion.tasks import get_task
from fusion.viz import choose
from fusion.viz.explore import one_line

DIGITS = get_task("digits")
A, C, G = choose.ATTENTION, choose.CONTRIBUTIONS, choose.GRADIENTS


@pytest.fixture(scope="module")
def analysed():
    sample = DIGITS.sample(0)
    models = load_models("digits", ["early", "hybrid"])
    return {name: explain_model(model, sample).to_dict(maps=True) for name, model in models.items()}, input_views(sample), sample


def test_built_in_results_become_the_same_rows(analysed) -> None:
    results, views, sample = analysed
    items = {name: choose.result_items(name, result, views, DIGITS.classes, sample.label, interactive=True) for name, result in results.items()}
    for name in items:  # every shipped digits strategy has attention (early: one joint transformer)
        assert {(A, m) for m in DIGITS.modalities} <= set(items[name]), name
    rows = choose.aligned_rows(items)
    assert rows == [(choose.PREDICTION, ""), (C, ""), (A, "audio"), (A, "image"), (A, "text"),
                    (G, ""), (G, "audio"), (G, "image"), (G, "text")]
    assert all(isinstance(item, go.Figure) for row, item in items["hybrid"].items() if row != (G, ""))
    convergence = results["hybrid"]["integrated_gradients_convergence"]
    assert f"in {convergence['steps']} steps" in items["hybrid"][(G, "")]  # the convergence, beside the maps


def test_the_contributions_row_is_on_the_scale_asked_and_an_analysis_without_gradients_has_no_ig_rows(analysed) -> None:
    results, views, sample = analysed
    result = results["hybrid"]
    for scale, axis in (("probability", "P("), ("log_probability", "log P(")):
        figure = choose.result_items("hybrid", result, views, DIGITS.classes, sample.label, scale, interactive=True)[(C, "")]
        assert figure.layout.yaxis.title.text.startswith(axis)
    without = explain_model(load_models("digits", ["hybrid"])["hybrid"], sample, gradients=False).to_dict(maps=True)
    assert not any(key.startswith("integrated_gradients") for key in without)
    assert {key: value for key, value in result.items() if key in without} == without  # the rest is the same
    rows = choose.result_items("hybrid", without, views, DIGITS.classes, sample.label, interactive=True)
    assert not [row for row in rows if row[0] == G] and (A, "text") in rows


def test_a_model_without_attention_gets_a_placeholder_on_the_attention_rows(analysed) -> None:
    """As a vector-operator early model (e.g. ``--operator product``) reports it."""
    results, views, sample = analysed
    note = "this early model fuses with the product operator, which has no attention"
    results = {**results, "early": {**results["early"], "attention": {}, "attention_note": note}}
    items = {name: choose.result_items(name, result, views, DIGITS.classes, sample.label, interactive=True) for name, result in results.items()}
    assert not {row for row in items["early"] if row[0] == A}
    assert (A, "audio") in choose.aligned_rows(items)  # the row stays, with a placeholder for early
    assert note in choose.placeholder((A, "audio"), results["early"], first=True)
    assert choose.placeholder((A, "image"), results["early"], first=False) == "No attention map on the image."
    single = choose.single_items(items["early"], results["early"])
    assert single[2] == f"Attention: {note}" and len(single) == len(items["early"]) + 1


def test_the_gradients_note_says_when_ig_and_shapley_disagree_from_the_numbers() -> None:
    from fusion.explain.report import top_modalities
    from fusion.viz.reading import gradients_note

    shares, shapley = {"audio": 0.96, "image": 0.04}, {"audio": 0.10, "image": 0.30}
    result = {"integrated_gradients": shares, "shapley": shapley, "top_modality": top_modalities(shapley, shares),
              "integrated_gradients_convergence": {"delta": 2e-4, "gap": 0.24, "steps": 128, "converged": True}}
    note = gradients_note(result)
    assert result["top_modality"] == {"shapley": "image", "integrated_gradients": "audio", "agree": False}
    assert "disagree" in note and "audio (96%)" in note and "image adds the most" in note and "+0.30" in note
    assert "converged in 128 steps" in note
    agreeing = {**result, "top_modality": top_modalities({"audio": 0.5, "image": 0.1}, shares)}
    assert "both rank audio first" in gradients_note(agreeing) and "disagree" not in gradients_note(agreeing)
    stuck = {**result, "integrated_gradients_convergence": {"delta": 0.2, "gap": 0.24, "steps": 512, "converged": False}}
    assert "did NOT converge" in gradients_note(stuck)
    assert top_modalities({"audio": 0.1}, {"audio": 1.0}) is None


def test_a_heads_result_uses_its_token_maps_on_the_same_rows() -> None:
    result = {"predicted": 1, "target": 1, "probabilities": [0.3, 0.7], "shapley": {"image": 0.2, "text": 0.1},
              "value_empty": 0.4, "value_full": 0.7, "attention": {"text": [0.5, 0.5]}, "attention_note": None,
              "integrated_gradients": {"image": 0.6, "text": 0.4},
              "integrated_gradients_maps": {"image": [0.3], "text": [0.1, -0.2]},
              "layouts": {"image": {"kind": "single"}, "text": {"kind": "words", "labels": ["a", "dog"]}}}
    items = choose.result_items("late", result, {}, ("cat", "dog"), label=1)
    assert items[(G, "image")] == "IG on image (pooled embedding): 60% of the attribution"
    assert isinstance(items[(A, "text")], go.Figure) and isinstance(items[(G, "text")], go.Figure)
    assert (A, "image") not in items  # a pooled embedding has no attention map


def test_a_model_without_the_samples_modalities_says_so_in_its_first_row() -> None:
    items = choose.result_items("text", {"note": "this model reads text; the sample has none of them"}, {}, DIGITS.classes)
    assert items == {(choose.PREDICTION, ""): "this model reads text; the sample has none of them"}


def test_inputs_and_row_heights() -> None:
    views = {"image": np.zeros((8, 8)), "audio": np.zeros((32, 60)), "text": ["seven"]}
    figures = choose.input_figures(views, "seven", interactive=True)
    assert list(figures) == ["image", "audio", "text"] and "“seven”" in one_line(figures["text"].layout.title.text)
    picture = choose.input_figures({"image": np.zeros((4, 4, 3), dtype=np.uint8)}, built_in=False)
    assert picture["image"].data[0].type == "image"
    assert choose.row_height([figures["text"], None, "a sentence"]) == figures["text"].layout.height
    assert choose.row_height([None]) == choose.HEIGHT
    pictures = choose.input_figures(views, "seven")  # the default: pictures, with the same titles and heights
    assert [pictures[m].title for m in figures] == [one_line(figures[m].layout.title.text) for m in figures]
    assert choose.row_height([pictures["text"], pictures["image"]]) == pictures["image"].height == figures["image"].layout.height
