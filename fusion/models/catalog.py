"""Where models come from: the shipped checkpoints, or a user's training runs.

A run is a folder ``<user dir>/<run name>/`` holding ``<task>/<model>/`` checkpoints (what the
Train page and ``python -m fusion train --out`` write). The user dir is ``$FUSION_USER_DIR``, by
default ``user_checkpoints/`` beside ``app.py``; shipped checkpoints are never written.
"""

from __future__ import annotations

from pathlib import Path

from fusion.models.checkpoints import CONFIG, checkpoint_dir, load_checkpoint, shipped_root
from fusion.models.strategies import FusionModel
from fusion.deployment import visible_run
from fusion.errors import ConfigError
from fusion.names import SHIPPED, check_name
from fusion.paths import user_dir


def check_run_name(name: str) -> str:
    """A run name is a plain folder name (``fusion.names``): no paths, no ``..``, no control characters."""
    return check_name(name, "run name")


def source_root(source: str) -> Path:
    """The folder of model source ``source``; in a demo session, only the session's own runs."""
    if source == SHIPPED:
        return shipped_root()
    if not visible_run(check_run_name(source)):
        raise ConfigError(f"there is no run {source!r} in this session; train one on the Train page")
    return user_dir() / source


def run_model_names(task: str, source: str) -> list[str]:
    """The model names a run holds for ``task`` (early, late, hybrid first, then baselines)."""
    folder = source_root(source) / task
    names = [p.parent.name for p in folder.glob(f"*/{CONFIG}")] if folder.is_dir() else []
    return sorted(names, key=model_order)


def model_order(name: str) -> tuple[int, str]:
    """Sort key: early, late, hybrid, then the unimodal baselines by name."""
    return {"early": 0, "late": 1, "hybrid": 2}.get(name, 3), name


def model_sources(task: str) -> list[str]:
    """``shipped`` (built-in tasks only) followed by the user's runs that hold a model of ``task``."""
    from fusion.tasks.registry import BUILT_IN_TASKS

    runs = []
    if user_dir().is_dir():
        for run in sorted(user_dir().iterdir()):
            if run.is_dir() and visible_run(run.name) and any((run / task).glob(f"*/{CONFIG}")):
                runs.append(run.name)
    return [SHIPPED, *runs] if task in BUILT_IN_TASKS else runs


def source_models(task: str, source: str, names: list[str]) -> dict[str, FusionModel]:
    """name -> model, for the names ``source`` holds. A run never borrows a shipped model for a name it
    lacks: what is shown as a run's is the run's."""
    models = {}
    for name in names:
        folder = checkpoint_dir(source_root(source), task, name)
        if folder.is_dir():
            models[name] = load_checkpoint(folder)
    return models
