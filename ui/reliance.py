"""The Reliance page's cached numbers: per-group accuracy, Shapley shares and perceptual scores of
the sidebar's models (or of the noisy-accent demonstration's), and the table as CSV. Arguments are
names, so Streamlit can key the caches on them."""

from __future__ import annotations

import io

import streamlit as st

from fusion.evaluation.reliance import RelianceResult, reliance
from ui.state import task_models, task_spec

SIDEBAR, DEMO = "the sidebar's task and models", "the noisy-accent demonstration"


@st.cache_resource(show_spinner="Loading the demonstration's models…")
def demo_models() -> dict:
    """The demonstration's three models, loaded once per process (inference only)."""
    from fusion.training.demos import demo_models as load

    return load()


def demo_task():
    from fusion.training.demos import DEMO_TASK

    return DEMO_TASK


@st.cache_data(show_spinner="Scoring every group and computing Shapley values…")
def result(task: str, source: str, group_by: str | None, demo: bool = False) -> RelianceResult:
    """Reliance of the fusion models of ``task`` from ``source`` (``demo``: the demonstration's)."""
    if demo:
        return reliance(demo_task(), demo_models(), group_by)
    models = {name: model for name, model in task_models(task, source).items() if model.config.strategy != "unimodal"}
    return reliance(task_spec(task, source), models, group_by)


def group_columns(task: str, source: str, demo: bool = False) -> tuple[str, ...]:
    return (demo_task() if demo else task_spec(task, source)).group_names()


def csv_bytes(outcome: RelianceResult) -> bytes:
    import pandas as pd

    buffer = io.StringIO()
    pd.DataFrame(outcome.table_rows()).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")
