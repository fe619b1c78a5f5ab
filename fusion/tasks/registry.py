"""Tasks by name (timm style): ``register_task``, ``get_task``, ``list_tasks``.

Built-in tasks register themselves when ``fusion.tasks`` is imported; dataset-folder tasks are
found among the user's training runs (heads whose checkpoint carries a ``dataset.json``).
"""

from __future__ import annotations

from fusion.errors import ConfigError
from fusion.registry import Registry
from fusion.tasks.base import Task

BUILT_IN_TASKS: Registry[Task] = Registry("task")


def register_task(task: Task) -> Task:
    BUILT_IN_TASKS.register(task.name)(task)
    return task


def get_task(name: str, source: str | None = None) -> Task:
    """The task called ``name``: a built-in one, or a dataset task of the run ``source`` (default:
    the first run that has one of that name)."""
    if name in BUILT_IN_TASKS:
        return BUILT_IN_TASKS.get(name)
    from fusion.tasks.dataset import find_dataset_task

    task = find_dataset_task(name, source)
    if task is None:
        known = ", ".join(t.name for t in list_tasks())
        raise ConfigError(f"unknown task {name!r}; choose one of: {known}")
    return task


def list_tasks() -> list[Task]:
    """Built-in tasks by name, then the dataset tasks of the user's runs by name."""
    from fusion.tasks.dataset import dataset_tasks

    return [*built_in_tasks(), *dataset_tasks()]


def built_in_tasks() -> list[Task]:
    """The built-in tasks, by name (no look at the user's runs)."""
    return [BUILT_IN_TASKS.get(name) for name in BUILT_IN_TASKS.names()]
