"""Shared by every page: the task and model source chosen in the sidebar, cached model loading,
and errors shown without tracebacks. (Not a page: st.navigation lists pages explicitly.)"""

from __future__ import annotations

import streamlit as st

from fusion.catalog import SHIPPED, source_models
from fusion.errors import FusionError
from fusion.presets import model_names
from fusion.strategies import FusionModel

TASK_KEY, SOURCE_KEY = "task", "source"


def current_task() -> str:
    return st.session_state.get(TASK_KEY, "digits")


def current_source() -> str:
    return st.session_state.get(SOURCE_KEY, SHIPPED)


@st.cache_resource(show_spinner="Loading models…")
def cached_models(task: str, source: str) -> dict[str, tuple[FusionModel, str]]:
    """Every model of ``task`` (strategies and baselines) from ``source``, loaded once per process.

    Models are only used for inference (eval mode, no mutation), so sessions can share them.
    """
    return source_models(task, source, model_names(task))


def task_models(task: str | None = None, source: str | None = None) -> dict[str, FusionModel]:
    """name -> model for the sidebar's task and source (or the given ones)."""
    entries = cached_models(task or current_task(), source or current_source())
    return {name: model for name, (model, _) in entries.items()}


def show_error(error: Exception) -> None:
    """A FusionError's message is for people; anything else is a bug, shown briefly with its type."""
    if isinstance(error, FusionError):
        st.error(str(error))
    else:
        st.error(f"Something went wrong ({type(error).__name__}: {error}). The rest of the page still works.")
