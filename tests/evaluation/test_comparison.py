"""Comparison numbers on the shipped models, and the Compare page's figure builders."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from fusion.models.catalog import SHIPPED, source_models
from fusion.evaluation.comparison import comparison_table, confusion_matrix, missing_modality_accuracy
from fusion.tasks import get_task
from fusion.tasks.splits import TensorSplit, tensor_split
from fusion.evaluation.accuracy import score
from fusion.models.presets import model_names
from fusion.viz import compare as viz


@pytest.fixture(scope="module")
def digits_models():
    return source_models("digits", SHIPPED, model_names("digits"))


DIGITS = get_task("digits")


def test_the_confusion_matrix_counts_every_test_sample_and_its_diagonal_is_the_accuracy(digits_models) -> None:
    model = digits_models["early"]
    matrix = confusion_matrix(model, DIGITS)
    data = tensor_split("digits", "test", None, 0, model.config.vocabulary)
    assert matrix.shape == (10, 10)
    np.testing.assert_array_equal(matrix.sum(1), torch.bincount(data.labels, minlength=10).numpy())
    accuracy = score(model, data)["accuracy"]
    assert abs(np.trace(matrix) - accuracy * len(data)) <= 0.5  # score rounds to 4 decimals


def test_the_table_has_one_row_per_model_with_kind_and_numbers(digits_models) -> None:
    rows = comparison_table(digits_models, DIGITS, latency_runs=2)
    assert [row["model"] for row in rows] == list(digits_models)
    kinds = {row["model"]: row["kind"] for row in rows}
    assert kinds["early"] == "fusion strategy" and kinds["audio"] == "unimodal baseline"
    for row in rows:
        assert 0 <= row["test accuracy"] <= 1 and row["parameters"] > 0 and row["latency median ms"] > 0
        assert row["FLOPs"] > row["parameters"] and row["peak memory MB"] > 0
    assert rows[0]["operator / combiner"].startswith("operator")


class FirstRows:
    """A task whose test split is the first ``n`` digits test rows: the comparison reads the task's split."""

    def __init__(self, n: int) -> None:
        self.n, self.num_classes = n, DIGITS.num_classes

    def split(self, model, split: str = "test"):
        full = DIGITS.split(model, split)
        return TensorSplit({m: v[: self.n] for m, v in full.inputs.items()}, full.labels[: self.n], full.raw)


def test_the_comparison_functions_read_the_tasks_own_split(digits_models) -> None:
    task = FirstRows(7)
    models = {"early": digits_models["early"], "late": digits_models["late"]}
    assert confusion_matrix(models["early"], task).sum() == 7
    rows = comparison_table(models, task, latency_runs=2)
    data = task.split(models["late"])
    assert rows[1]["test accuracy"] == score(models["late"], data)["accuracy"]
    full, missing = missing_modality_accuracy(models, DIGITS)
    assert full["early"] == score(models["early"], DIGITS.split(models["early"]))["accuracy"]
    assert set(missing["early"]) == {"audio", "image", "text"}


KINDS = {"early": "fusion strategy", "late": "fusion strategy", "audio": "unimodal baseline"}


def test_bar_builders_plot_their_inputs_split_by_kind() -> None:
    values = {"early": 0.9, "late": 0.8, "audio": 0.6}
    fig = viz.accuracy_bars(values, KINDS, chance=0.1)
    assert isinstance(fig, go.Figure)
    plotted = {x: y for trace in fig.data for x, y in zip(trace.x, trace.y)}
    assert plotted == values
    assert [trace.name for trace in fig.data] == ["fusion strategy", "unimodal baseline"]
    assert fig.data[0].marker.color != fig.data[1].marker.color



def test_the_reliability_diagram_names_each_models_error() -> None:
    fig = viz.reliability_diagram({"early": {"confidence": [0.5, 0.9], "accuracy": [0.4, 0.95], "counts": [3, 7], "ece": 0.05}})
    assert fig.data[1].name == "early (ECE 5.0%)" and list(fig.data[1].x) == [0.5, 0.9] and list(fig.data[0].y) == [0, 1]


def test_the_cost_figures_plot_the_given_numbers_on_log_axes() -> None:
    rows = [{"model": "early", "FLOPs": 1000, "latency median ms": 0.5, "test accuracy": 0.9},
            {"model": "late", "FLOPs": 5000, "latency median ms": 2.0, "test accuracy": 0.8}]
    scatter = viz.cost_scatter(rows)
    assert [(t.x[0], t.y[0]) for t in scatter.data] == [(1000, 0.9), (5000, 0.8)]
    assert scatter.layout.xaxis.type == "log" and "FLOPs per sample" in scatter.layout.xaxis.title.text
    curves = viz.scaling_curves({"sweep": "tokens", "values": [8, 32], "strategies": {"a": {"flops": [1, 4]}, "b": {"flops": [2, 2]}}})
    assert [list(t.y) for t in curves.data] == [[1, 4], [2, 2]] and curves.layout.yaxis.type == "log"


def test_the_confusion_heatmap_shows_the_counts() -> None:
    matrix = np.array([[3, 1], [0, 4]])
    fig = viz.confusion_heatmap(matrix, ["a", "b"], "early")
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Heatmap)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), matrix)


def test_robustness_curves_have_one_line_per_model_and_modality_plus_chance() -> None:
    levels = (0.0, 0.5, 1.0)
    curves = {
        "early": {"audio": [0.9, 0.8, 0.5], "image": [0.9, 0.7, 0.6]},
        "audio": {"audio": [0.7, 0.5, 0.1]},  # a baseline reads one modality only
    }
    fig = viz.robustness_curves(levels, curves, ["audio", "image"], chance=0.1)
    lines = [t for t in fig.data if t.name != "chance"]
    chance = [t for t in fig.data if t.name == "chance"]
    assert len(lines) == 3 and len(chance) == 2
    assert all(t.line.dash == "dash" and list(t.y) == [0.1, 0.1] for t in chance)
    assert list(lines[0].y) == [0.9, 0.8, 0.5]
    assert sum(bool(t.showlegend) for t in lines) == 2  # one legend entry per model


def test_missing_bars_group_full_and_each_absent_modality() -> None:
    full = {"early": 0.9, "late": 0.8}
    missing = {"early": {"audio": 0.6, "image": 0.7}, "late": {"audio": 0.5, "image": 0.6}}
    fig = viz.missing_bars(full, missing, ["audio", "image"])
    assert [t.name for t in fig.data] == ["all present", "without audio", "without image"]
    assert list(fig.data[0].y) == [0.9, 0.8] and list(fig.data[1].y) == [0.6, 0.5]
    assert fig.layout.barmode == "group"


def test_emap_bars_plot_the_shares_with_a_readable_axis() -> None:
    fig = viz.emap_bars({"early": 0.1, "hybrid": 0.01})
    assert list(fig.data[0].y) == [0.1, 0.01]
    assert "non-additive" in fig.layout.yaxis.title.text
