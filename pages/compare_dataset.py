"""Compare for heads trained on a dataset folder: accuracy, confusions, missing modalities, size and
speed on the folder's test split. Render only. (Not a page: ``pages/compare.py`` calls ``render``.)
Corruption sweeps and EMAP need the built-in tasks' generators, so they are not shown here."""

from __future__ import annotations

import streamlit as st

from fusion.evaluation.comparison import comparison_table, confusion_matrix, missing_modality_accuracy
from fusion.tasks.dataset import embedded_split
from fusion.viz import compare as viz
from pages.common import cached_dataset, show_error, task_models


def test_split(task: str, source: str):
    dataset = cached_dataset(task, source)
    return lambda model: embedded_split(dataset, model.config, "test")


@st.cache_data(show_spinner="Scoring every model…")
def summary(task: str, source: str) -> list[dict]:
    return comparison_table(task_models(task, source), task, split=test_split(task, source))


@st.cache_data(show_spinner=False)
def confusion(task: str, source: str, name: str):
    return confusion_matrix(task_models(task, source)[name], task, test_split(task, source))


@st.cache_data(show_spinner="Removing one modality at a time…")
def missing(task: str, source: str):
    return missing_modality_accuracy(task_models(task, source), test_split(task, source))


def render(task: str, source: str) -> None:
    models = task_models(task, source)
    first = next(iter(models.values())).config
    st.title("Compare models")
    st.caption(f"Dataset `{task}` · heads from run `{source}` · the folder's test split")
    sections = []

    def accuracy() -> None:
        rows = summary(task, source)
        st.dataframe(rows, hide_index=True)
        kinds = {r["model"]: r["kind"] for r in rows}
        st.plotly_chart(viz.accuracy_bars({r["model"]: r["test accuracy"] for r in rows}, kinds, 1.0 / first.num_classes))
        left, right = st.columns(2)
        left.plotly_chart(viz.parameter_bars({r["model"]: r["parameters"] for r in rows}, kinds))
        right.plotly_chart(viz.latency_bars({r["model"]: r["latency median ms"] for r in rows}, kinds))
        st.caption("Latency: the head alone (embeddings come from the cache), median of 20 single-sample passes.")

    def confusions() -> None:
        st.subheader("Confusion matrices")
        name = st.selectbox("Model", list(models), key="compare_data_confusion")
        st.plotly_chart(viz.confusion_heatmap(confusion(task, source, name), list(first.classes), name))

    def missing_modalities() -> None:
        st.subheader("Missing modalities")
        full, without = missing(task, source)
        modalities = sorted({m for row in without.values() for m in row})
        st.plotly_chart(viz.missing_bars(full, without, modalities))

    sections += [accuracy, confusions, missing_modalities]
    for section in sections:
        try:
            section()
        except Exception as error:  # noqa: BLE001 - one section's error leaves the others
            show_error(error)
