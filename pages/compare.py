"""Compare: every model of the sidebar's task side by side — accuracy, confusions, missing
modalities, size and speed; for the built-in tasks also robustness to corruption and cross-modal
interaction (EMAP). Render only; the cached numbers are in ui/compare.py, the figures in
fusion.viz.compare."""

from __future__ import annotations

import streamlit as st

from fusion.tasks import Task
from fusion.viz import compare as viz
from ui import compare as numbers
from ui.state import current_source, section, show_error, task_models, task_spec


def accuracy_section(task: Task, source: str) -> list[dict]:
    rows = numbers.summary(task.name, source)
    st.dataframe(rows, hide_index=True)
    kinds = {row["model"]: row["kind"] for row in rows}
    title = "Test accuracy (standard corruption)" if task.is_built_in else "Test accuracy (the folder's test split)"
    st.plotly_chart(viz.accuracy_bars({r["model"]: r["test accuracy"] for r in rows}, kinds, task.chance, title))
    return rows


def confusion_section(task: Task, source: str) -> None:
    st.subheader("Confusion matrices")
    name = st.selectbox("Model", list(task_models(task.name, source)), key="compare_confusion_model")
    st.plotly_chart(viz.confusion_heatmap(numbers.confusion(task.name, source, name), task.classes, name))


def robustness_section(task: Task, source: str) -> None:
    st.subheader("Robustness and missing modalities")
    choice = st.radio("Corruption levels", list(numbers.LEVEL_CHOICES), horizontal=True, key="compare_levels")
    result = numbers.robustness_sweep(task.name, source, numbers.LEVEL_CHOICES[choice])
    st.plotly_chart(viz.robustness_curves(result["levels"], result["curves"], task.modalities, task.chance))
    st.caption("Each curve corrupts one modality while the others stay at the standard level.")
    st.plotly_chart(viz.missing_bars(result["full"], result["missing"], task.modalities))


def missing_section(task: Task, source: str) -> None:
    st.subheader("Missing modalities")
    full, without = numbers.missing(task.name, source)
    st.plotly_chart(viz.missing_bars(full, without, task.modalities))
    st.caption("Corruption sweeps and EMAP need the built-in tasks' generators, so they are not shown for a dataset.")


def emap_section(task: Task, source: str) -> None:
    st.subheader("Cross-modal interaction (EMAP)")
    n = st.slider("Test samples", 8, 128, 32, step=8, key="compare_emap_n")
    shares = numbers.interactions(task.name, source, n)
    st.write(
        "The non-additive share is how much of a model's output cannot be explained by adding up what the "
        "image and the audio each contribute alone: 0 % means no interaction; higher means the model combines them."
    )
    st.plotly_chart(viz.emap_bars(shares))


def cost_section(task: Task, rows: list[dict]) -> None:
    st.subheader("Size and speed")
    kinds = {row["model"]: row["kind"] for row in rows}
    left, right = st.columns(2)
    left.plotly_chart(viz.parameter_bars({r["model"]: r["parameters"] for r in rows}, kinds))
    right.plotly_chart(viz.latency_bars({r["model"]: r["latency median ms"] for r in rows}, kinds))
    what = "" if task.is_built_in else " of the head alone (embeddings come from the cache)"
    st.caption(f"Latency{what}: median of 20 single-sample forward passes on this machine's CPU, after warm-up.")


def page() -> None:
    task, source = task_spec(), current_source()
    if not task_models(task.name, source):
        st.info(f"Run `{source}` holds no model of `{task.name}`; train one on the Your data page.")
        return
    st.title("Compare models")
    where = "test split at the task's standard corruption" if task.is_built_in else "the folder's test split"
    st.caption(f"Task `{task.name}` · models from `{source}` · {where}")
    rows = section(accuracy_section, task, source)
    section(confusion_section, task, source)
    if task.is_built_in:
        section(robustness_section, task, source)
        section(emap_section, task, source)
    else:
        section(missing_section, task, source)
    if rows:
        section(cost_section, task, rows)


try:
    page()
except Exception as error:  # noqa: BLE001 - shown; the sidebar and other pages keep working
    show_error(error)
