"""The sidebar's task and model source, models cached by (task, source), errors shown in place,
and small widget helpers every page uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

from fusion.errors import FusionError
from fusion.models.catalog import SHIPPED, run_model_names, source_models
from fusion.models.presets import model_names
from fusion.models.strategies import FusionModel
from fusion.tasks import Task, built_in_tasks, get_task
from ui.text import plain

TASK_KEY, SOURCE_KEY = "task", "source"
T = TypeVar("T")


def restore_sidebar_from_link(task_names: Sequence[str]) -> None:
    """Once per session, before the sidebar's widgets exist: the task and model source of a shared
    link (``?task=…&source=…``), when they are among the choices."""
    if st.session_state.get("_link_sidebar_read"):
        return
    st.session_state["_link_sidebar_read"] = True
    task = st.query_params.get("task")
    if task in task_names:
        st.session_state[TASK_KEY] = task
        source = st.query_params.get("source")
        if source in source_choices(task):
            st.session_state[SOURCE_KEY] = source


def source_choices(task: str) -> list[str]:
    from fusion.models.catalog import model_sources

    return model_sources(task)


def current_task() -> str:
    return st.session_state.get(TASK_KEY, "digits")


def current_source() -> str:
    return st.session_state.get(SOURCE_KEY, SHIPPED)


def is_dataset_task(task: str) -> bool:
    """A task of heads trained on a dataset folder (not a built-in task)."""
    return task not in {t.name for t in built_in_tasks()}


def task_spec(task: str | None = None, source: str | None = None) -> Task:
    """The sidebar's task (or the given one) as a ``Task``: built-in, or the run's dataset task."""
    return get_task(task or current_task(), source or current_source())


@st.cache_resource(show_spinner="Loading models…")
def cached_models(task: str, source: str) -> dict[str, FusionModel]:
    """Every model of ``task`` (strategies and baselines) that ``source`` holds, loaded once per process.

    Models are only used for inference (eval mode, no mutation), so sessions can share them.
    """
    names = model_names(task) if source == SHIPPED else run_model_names(task, source)
    return source_models(task, source, names)


def task_models(task: str | None = None, source: str | None = None) -> dict[str, FusionModel]:
    """name -> model for the sidebar's task and source (or the given ones)."""
    return cached_models(task or current_task(), source or current_source())


def source_note(task: str, source: str) -> str | None:
    """What a run holds, when it is not every model the shipped checkpoints have for the task."""
    if source == SHIPPED or is_dataset_task(task):
        return None
    held, shipped = run_model_names(task, source), model_names(task)
    missing = [name for name in shipped if name not in held]
    if not missing:
        return None
    return (f"{source} holds {', '.join(held) or 'no model'} for {task}; the pages show only these. "
            f"The shipped {', '.join(missing)} are under Models: {SHIPPED}.")


def show_error(error: Exception) -> None:
    """A FusionError's message is for people; anything else is a bug, shown briefly with its type.
    Shown as plain text: messages quote names from files and people (``ui.text``)."""
    if isinstance(error, FusionError):
        st.error(plain(str(error)))
    else:
        st.error(plain(f"Something went wrong ({type(error).__name__}: {error}). The rest of the page still works."))


def section(render: Callable[..., T], *args: Any) -> T | None:
    """``render(*args)``; an error is shown in place (None returned) and the rest of the page renders."""
    try:
        return render(*args)
    except Exception as error:  # noqa: BLE001 - FusionError for people, anything else shown briefly
        show_error(error)
        return None


def choice(label: str, options: Sequence[str], key: str, **kwargs: Any) -> str:
    """A segmented control that always has one option chosen (clicking the chosen one keeps it);
    a remembered value that is no longer an option falls back to the first."""
    options = list(options)
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    st.session_state[f"{key}_last"] = st.session_state[key]
    return st.segmented_control(label, options, key=key, on_change=_keep_choice, args=(key,), **kwargs) or options[0]


def _keep_choice(key: str) -> None:
    if st.session_state.get(key) is None:
        st.session_state[key] = st.session_state.get(f"{key}_last")
