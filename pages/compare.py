"""Compare: every model of the sidebar's task side by side — accuracy, confusions, robustness,
cross-modal interaction, size and speed. Render only; the numbers come from fusion.evaluation.comparison
and fusion.explain, the figures from fusion.viz.compare."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from fusion.evaluation.comparison import comparison_table, confusion_matrix
from fusion.data.avdigits import TASK_MODALITIES, TASK_NUM_CLASSES
from fusion.explain.interactions import task_interactions
from fusion.evaluation.robustness import robustness
from fusion.viz import compare as viz
from pages import compare_dataset
from pages.common import current_source, current_task, is_dataset_task, render_dataset_view, show_error, task_models

LEVEL_CHOICES = {"quick (3 levels)": (0.0, 0.5, 1.0), "fine (5 levels)": (0.0, 0.25, 0.5, 0.75, 1.0)}
CLASS_LABELS = {"match": ("0 · different", "1 · same")}


@st.cache_data(show_spinner=False)
def summary(task: str, source: str) -> list[dict]:
    return comparison_table(task_models(task, source), task)


@st.cache_data(show_spinner=False)
def confusion(task: str, source: str, name: str):
    return confusion_matrix(task_models(task, source)[name], task)


@st.cache_data(show_spinner=False)
def robustness_sweep(task: str, source: str, levels: tuple[float, ...]) -> dict:
    return robustness(task_models(task, source), task, levels).to_dict()


@st.cache_data(show_spinner=False)
def interactions(task: str, source: str, n: int) -> dict[str, float]:
    results = task_interactions(task_models(task, source), task, n)
    return {name: result["emap_nonadditive_share"] for name, result in results.items()}


def section(render: Callable[[], None]) -> None:
    """Run one section; an error is shown in place and the rest of the page still renders."""
    try:
        render()
    except Exception as error:  # noqa: BLE001 - FusionError for people, anything else shown briefly
        show_error(error)


task, source = current_task(), current_source()
if is_dataset_task(task):
    render_dataset_view(compare_dataset.render, task, source)
chance = 1.0 / TASK_NUM_CLASSES[task]
st.title("Compare models")
st.caption(f"Task `{task}` · models from `{source}` · test split at the task's standard corruption")
rows: list[dict] = []


def accuracy_section() -> None:
    global rows
    with st.spinner("Scoring every model…"):
        rows = summary(task, source)
    st.dataframe(rows, hide_index=True)
    kinds = {row["model"]: row["kind"] for row in rows}
    st.plotly_chart(viz.accuracy_bars({r["model"]: r["test accuracy"] for r in rows}, kinds, chance))


def confusion_section() -> None:
    st.subheader("Confusion matrices")
    names = list(task_models(task, source))
    name = st.selectbox("Model", names, key="compare_confusion_model")
    labels = CLASS_LABELS.get(task, [str(c) for c in range(TASK_NUM_CLASSES[task])])
    st.plotly_chart(viz.confusion_heatmap(confusion(task, source, name), labels, name))


def robustness_section() -> None:
    st.subheader("Robustness and missing modalities")
    choice = st.radio("Corruption levels", list(LEVEL_CHOICES), horizontal=True, key="compare_levels")
    with st.spinner("Sweeping corruption levels for every model…"):
        result = robustness_sweep(task, source, LEVEL_CHOICES[choice])
    modalities = TASK_MODALITIES[task]
    st.plotly_chart(viz.robustness_curves(result["levels"], result["curves"], modalities, chance))
    st.caption("Each curve corrupts one modality while the others stay at the standard level.")
    st.plotly_chart(viz.missing_bars(result["full"], result["missing"], modalities))


def emap_section() -> None:
    st.subheader("Cross-modal interaction (EMAP)")
    n = st.slider("Test samples", 8, 128, 32, step=8, key="compare_emap_n")
    with st.spinner("Computing EMAP…"):
        shares = interactions(task, source, n)
    st.write(
        "The non-additive share is how much of a model's output cannot be explained by adding up what the "
        "image and the audio each contribute alone: 0 % means no interaction; higher means the model combines them."
    )
    st.plotly_chart(viz.emap_bars(shares))


def cost_section() -> None:
    st.subheader("Size and speed")
    if not rows:
        return
    kinds = {row["model"]: row["kind"] for row in rows}
    left, right = st.columns(2)
    left.plotly_chart(viz.parameter_bars({r["model"]: r["parameters"] for r in rows}, kinds))
    right.plotly_chart(viz.latency_bars({r["model"]: r["latency median ms"] for r in rows}, kinds))
    st.caption("Latency: median of 20 single-sample forward passes on this machine's CPU, after warm-up.")


for render in (accuracy_section, confusion_section, robustness_section, emap_section, cost_section):
    section(render)
