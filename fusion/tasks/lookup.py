"""Tasks by name (timm style): ``get_task``, ``list_tasks``: the built-in tasks, then the
dataset-folder tasks found among the user's training runs (heads with a ``dataset.json``)."""

from __future__ import annotations

from fusion.errors import ConfigError
from fusion.tasks.base import Task
from fusion.tasks.dataset import dataset_tasks, find_dataset_task
from fusion.tasks.registry import BUILT_IN_TASKS, built_in_tasks


def get_task(name: str, source: str | None = None) -> Task:
    """The task called ``name``: a built-in one, or a dataset task of the run ``source`` (default:
    the first run that has one of that name)."""
    if name in BUILT_IN_TASKS:
        return BUILT_IN_TASKS.get(name)
    task = find_dataset_task(name, source)
    if task is None:
        known = ", ".join(t.name for t in list_tasks())
        raise ConfigError(f"unknown task {name!r}; choose one of: {known}")
    return task


def list_tasks() -> list[Task]:
    """Built-in tasks by name, then the dataset tasks of the user's runs by name."""
    return [*built_in_tasks(), *dataset_tasks()]
