"""Kept only for pages/train.py and pages/your_data.py until they import ``ui.state`` (then deleted)."""

from ui.state import SOURCE_KEY, TASK_KEY, cached_models, current_task, is_dataset_task, show_error  # noqa: F401
