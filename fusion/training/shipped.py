"""Retrain every shipped model (``python -m fusion train-all``) and record its test metrics; the
reliance demonstration's models (``fusion.training.demos``) are shipped and listed with them.

Each model trains on one torch thread (``fusion.training.loop``), so models train side by side in
worker processes, one per core by default, with the same weights as one at a time: the same seed
gives the same model at any thread count. The longest models (by their recorded training time) start
first, which keeps the last worker from finishing alone."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from fusion.models.checkpoints import checkpoint_dir, save_checkpoint, shipped_root
from fusion.tasks import get_task
from fusion.evaluation.accuracy import evaluate
from fusion.models.presets import SHIPPED, default_config, default_settings
from fusion.training.demos import DEMO_CHECKPOINTS, train_demo_model
from fusion.training.loop import train_model


def retrain_shipped(out: Path | str | None = None, seed: int = 0, jobs: int | None = None,
                    models: Sequence[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """Train each (task, model) of ``models`` (default: ``SHIPPED`` and the demonstration's) with its
    default settings, ``jobs`` at a time (default: one per core); save each with its test metrics.
    Rows in the order of ``models``."""
    root = Path(out) if out is not None else shipped_root()
    models = list(models) if models is not None else [*SHIPPED, *DEMO_CHECKPOINTS]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(models)))
    longest_first = sorted(models, key=lambda model: -_recorded_seconds(*model))
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    with tqdm(total=len(models), desc="shipped models") as bar:
        if jobs == 1:
            for model in longest_first:
                rows[model] = train_shipped_model(*model, root, seed)
                bar.update()
        else:  # spawn: a forked copy of a process that has started torch's threads can hang
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(train_shipped_model, *model, root, seed): model for model in longest_first}
                for future in as_completed(futures):
                    rows[futures[future]] = future.result()
                    bar.update()
    return [rows[model] for model in models]


def train_shipped_model(task: str, name: str, root: Path, seed: int = 0) -> dict[str, Any]:
    """Train one shipped model (or one of the demonstration's) and save it under ``root``; its metrics."""
    if (task, name) in DEMO_CHECKPOINTS:
        return train_demo_model(name, root, seed, progress=False)
    config = default_config(task, name, get_task(task).vocabulary())
    start = time.perf_counter()
    result = train_model(config, default_settings(config, seed=seed), progress=False)
    seconds = round(time.perf_counter() - start, 1)
    metrics = {**evaluate(result.model), "task": task, **result.summary(), "train_seconds": seconds}
    save_checkpoint(result.model, checkpoint_dir(root, task, name), metrics)
    return metrics


def _recorded_seconds(task: str, name: str) -> float:
    """The shipped model's recorded training time (0 if unknown): the order to start them in."""
    from fusion.models.checkpoints import read_metrics

    metrics = read_metrics(checkpoint_dir(shipped_root(), task, name)) or {}
    return float(metrics.get("train_seconds") or 0.0)


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
