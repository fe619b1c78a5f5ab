"""Compare: every model of the sidebar's task side by side — accuracy, confusions, missing
modalities, size and speed; for the built-in tasks also robustness to corruption and cross-modal
interaction (EMAP). Render only; the cached numbers are in ui/compare.py, the figures in
fusion.viz.compare."""

from __future__ import annotations

import streamlit as st

from fusion.tasks import Task
from fusion.viz import compare as viz
from fusion.viz.reading import READING
from ui import compare as numbers
from ui.state import current_source, section, show_error, task_models, task_spec
from ui.frame import run_in_app_frame

run_in_app_frame()


def accuracy_section(task: Task, source: str) -> list[dict]:
    rows = numbers.summary(task.name, source)
    st.dataframe(rows, hide_index=True)
    kinds = {row["model"]: row["kind"] for row in rows}
    title = f"Test accuracy ({split_description(task)})"
    st.plotly_chart(viz.accuracy_bars({r["model"]: r["test accuracy"] for r in rows}, kinds, task.chance, title))
    return rows


def split_description(task: Task) -> str:
    """Which rows the numbers are on: no "standard corruption" for a task that has none."""
    if not task.is_built_in:
        return "the folder's test split"
    return "test split at the task's standard corruption" if any(task.standard_corruption.values()) else "clean test split"


def confusion_section(task: Task, source: str) -> None:
    st.subheader("Confusion matrices")
    name = st.selectbox("Model", list(task_models(task.name, source)), key="compare_confusion_model")
    st.plotly_chart(viz.confusion_heatmap(numbers.confusion(task.name, source, name), task.classes, name))


def robustness_section(task: Task, source: str) -> None:
    st.subheader("Robustness and missing modalities")
    choice = st.radio("Corruption levels", list(numbers.LEVEL_CHOICES), horizontal=True, key="compare_levels")
    result = numbers.robustness_sweep(task.name, source, numbers.LEVEL_CHOICES[choice])
    st.plotly_chart(viz.robustness_curves(result["levels"], result["curves"], task.modalities, task.chance))
    st.caption("Each curve corrupts one modality while the others stay at the standard level; the levels include "
               "each modality's standard one, where the curve meets the headline accuracy.")
    st.plotly_chart(viz.missing_bars(result["full"], result["missing"], task.modalities))


def calibration_section(task: Task, source: str) -> None:
    st.subheader("Calibration")
    st.plotly_chart(viz.reliability_diagram(numbers.calibrations(task.name, source)))
    st.caption("Test rows binned by the model's confidence in its answer (10 equal bins); a calibrated model's points "
               "lie on the diagonal. ECE: the samples' average gap between confidence and accuracy, 0 % is perfect.")


def missing_section(task: Task, source: str) -> None:
    st.subheader("Missing modalities")
    full, without = numbers.missing(task.name, source)
    st.plotly_chart(viz.missing_bars(full, without, task.modalities))
    st.caption("Corruption sweeps and EMAP need the built-in tasks' generators, so they are not shown for a dataset.")


def emap_section(task: Task, source: str) -> None:
    st.subheader("Cross-modal interaction (EMAP)")
    n = st.slider("Test samples", 8, 128, 32, step=8, key="compare_emap_n")
    scale = st.radio("Scale", viz.EMAP_SCALES, horizontal=True, key="compare_emap_scale", format_func=viz.scale_name)
    st.markdown(READING["emap"])
    st.plotly_chart(viz.emap_bars(numbers.interactions(task.name, source, n, scale), scale))


def faithfulness_section(task: Task, source: str) -> None:
    st.subheader("Are the attention maps faithful? (deletion test)")
    st.dataframe(numbers.faithfulness(task.name, source), hide_index=True)
    st.caption(READING["faithfulness"])


def cost_section(task: Task, rows: list[dict]) -> None:
    st.subheader("Cost")
    costs = ["model", "parameters", "FLOPs", "latency median ms", "latency IQR ms", "peak memory MB", "test accuracy"]
    st.dataframe([{k: row[k] for k in costs} for row in rows], hide_index=True)
    left, right = st.columns(2)
    left.plotly_chart(viz.cost_scatter(rows, "FLOPs"))
    right.plotly_chart(viz.cost_scatter(rows, "latency median ms"))
    what = "" if task.is_built_in else " of the head alone (embeddings come from the cache)"
    st.caption(f"Per sample{what}: FLOPs counted by torch's FlopCounterMode (a multiply-add is 2); latency the median of "
               "20 single-sample forward passes on one CPU thread after warm-up, measured once per model and kept on disk; "
               "peak memory what one forward pass holds at once.")
    st.plotly_chart(viz.scaling_curves(numbers.scaling_sweep()))
    st.caption("Synthetic inputs, every model width 16: a vector operator reads one pooled vector per modality (flat); "
               "attention over tokens grows quadratically (`python -m fusion cost --sweep tokens`).")


def page() -> None:
    task, source = task_spec(), current_source()
    if not task_models(task.name, source):
        st.info(f"Run `{source}` holds no model of `{task.name}`; train one on the Your data page.")
        return
    st.title("Compare models")
    st.caption(f"Task `{task.name}` · models from `{source}` · {split_description(task)}")
    rows = section(accuracy_section, task, source)
    section(confusion_section, task, source)
    section(calibration_section, task, source)
    if task.is_built_in:
        section(robustness_section, task, source)
        section(emap_section, task, source)
        section(faithfulness_section, task, source)
    else:
        section(missing_section, task, source)
    if rows:
        section(cost_section, task, rows)


try:
    page()
except Exception as error:  # noqa: BLE001 - shown; the sidebar and other pages keep working
    show_error(error)
