"""Retrain every shipped model (``python -m fusion train-all``) and record its test metrics; the
reliance demonstration's models (``fusion.training.demos``) are shipped and listed with them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from fusion.models.checkpoints import checkpoint_dir, save_checkpoint, shipped_root
from fusion.tasks import get_task
from fusion.evaluation.accuracy import evaluate
from fusion.models.presets import SHIPPED, default_config, default_settings
from fusion.training.demos import DEMO_CHECKPOINTS, train_demo
from fusion.training.loop import train_model


def retrain_shipped(out: Path | str | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Train each (task, model) of ``SHIPPED`` with its default settings (on one torch thread, as
    every training runs: ``fusion.training.loop``); save with test metrics."""
    root = Path(out) if out is not None else shipped_root()
    rows = []
    for task, name in tqdm(SHIPPED, desc="shipped models"):
        config = default_config(task, name, get_task(task).vocabulary())
        start = time.perf_counter()
        result = train_model(config, default_settings(config, seed=seed))
        seconds = round(time.perf_counter() - start, 1)
        metrics = {**evaluate(result.model), "task": task, **result.summary(), "train_seconds": seconds}
        save_checkpoint(result.model, checkpoint_dir(root, task, name), metrics)
        rows.append(metrics)
    return [*rows, *train_demo(root, seed, progress=False)]


def shipped_models(root: Path | str | None = None) -> list[dict[str, Any]]:
    """One row per shipped model: task, name, strategy details, parameter count and test metrics."""
    from fusion.models.checkpoints import read_config, read_metrics

    root = Path(root) if root is not None else shipped_root()
    rows = []
    for task, name in (*SHIPPED, *DEMO_CHECKPOINTS):
        folder = checkpoint_dir(root, task, name)
        config = read_config(folder)
        metrics = read_metrics(folder) or {}
        rows.append(
            {
                "task": task,
                "model": name,
                "fusion": config.operator or config.combiner,
                "modalities": ", ".join(config.modalities),
                "parameters": metrics.get("parameters"),
                "test accuracy": metrics.get("accuracy"),
                "n": metrics.get("n"),
                "corruption": ", ".join(f"{m}={v}" for m, v in metrics.get("corruption", {}).items()) or "none",
            }
        )
    return rows
