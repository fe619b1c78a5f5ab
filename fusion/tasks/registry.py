"""The built-in tasks by name (timm style): ``register_task``; ``built_in_tasks``.

Built-in tasks register themselves when ``fusion.tasks`` is imported. ``fusion.tasks.lookup``
finds a task by name among them and the dataset-folder tasks of the user's runs.
"""

from __future__ import annotations

from fusion.registry import Registry
from fusion.tasks.base import Task

BUILT_IN_TASKS: Registry[Task] = Registry("task")


def register_task(task: Task) -> Task:
    BUILT_IN_TASKS.register(task.name)(task)
    return task


def built_in_tasks() -> list[Task]:
    """The built-in tasks, by name (no look at the user's runs)."""
    return [BUILT_IN_TASKS.get(name) for name in BUILT_IN_TASKS.names()]
