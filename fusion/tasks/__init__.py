"""Tasks: what a model is asked (modalities, classes, splits, standard corruption), their samples
and their splits as model inputs. Importing this package registers the built-in tasks."""

from __future__ import annotations

from fusion.tasks.base import BUILT_IN, DATASET, SPLITS, Split, Task
from fusion.tasks.lookup import get_task, list_tasks
from fusion.tasks.registry import built_in_tasks, register_task
from fusion.tasks.samples import Sample, decode_files, sample_from_files

# Importing the module registers the built-in tasks.
from fusion.tasks import avdigits, motion  # noqa: E402,F401  isort: skip

__all__ = ["BUILT_IN", "DATASET", "SPLITS", "Sample", "Split", "Task", "built_in_tasks", "decode_files", "get_task",
           "list_tasks", "register_task", "sample_from_files"]
