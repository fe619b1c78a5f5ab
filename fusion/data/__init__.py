"""Datasets: the built-in AV-Digits and load-time corruption."""

from fusion.data.avdigits import (
    SPLITS,
    STANDARD_CORRUPTION,
    TASK_MODALITIES,
    TASK_NUM_CLASSES,
    TASKS,
    TaskSplit,
    default_root,
    load_clip,
    load_task,
)
from fusion.data.corruption import (
    IMAGE_KINDS,
    apply_corruption,
    corrupt_audio,
    corrupt_image,
    corrupt_text,
)

__all__ = [
    "IMAGE_KINDS", "SPLITS", "STANDARD_CORRUPTION",
    "TASKS", "TASK_MODALITIES", "TASK_NUM_CLASSES", "TaskSplit", "apply_corruption",
    "corrupt_audio", "corrupt_image", "corrupt_text", "default_root", "load_clip", "load_task",
]
