"""Shared by every page: the task and model source chosen in the sidebar, cached model loading,
and errors shown without tracebacks. (Not a page: st.navigation lists pages explicitly.)"""

from __future__ import annotations

import streamlit as st

from fusion.models.catalog import SHIPPED, run_model_names, source_models, source_root
from fusion.models.checkpoints import checkpoint_dir
from fusion.data.avdigits import TASKS
from fusion.errors import FusionError
from fusion.models.presets import model_names
from fusion.models.strategies import FusionModel

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
    names = model_names(task) if task in TASKS else run_model_names(task, source)
    return source_models(task, source, names)


def is_dataset_task(task: str) -> bool:
    """A task of heads trained on a dataset folder (not a built-in task)."""
    return task not in TASKS


def render_dataset_view(render, task: str, source: str) -> None:
    """For a dataset task: draw the page's dataset view (``render(task, source)``), then stop the
    page script; an error is shown and the app keeps working."""
    try:
        render(task, source)
    except Exception as error:  # noqa: BLE001 - shown; the app keeps working
        show_error(error)
    st.stop()


@st.cache_resource(show_spinner="Reading the dataset's embeddings…", max_entries=4)
def cached_dataset(task: str, source: str):
    """The dataset a run's heads of ``task`` were trained on, from the embedding cache (shared,
    read-only). Encodes what the cache lacks (e.g. on another machine)."""
    from fusion.tasks.dataset import task_from_checkpoints

    names = run_model_names(task, source)
    if not names:
        from fusion.errors import CheckpointError

        raise CheckpointError(f"run {source!r} holds no model of {task!r}")
    return task_from_checkpoints([checkpoint_dir(source_root(source), task, name) for name in names]).dataset()


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
