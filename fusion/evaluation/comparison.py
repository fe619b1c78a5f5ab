"""Side-by-side comparison of a task's models: confusion matrices, latency, and one summary table.

Everything here is plain Python/torch (no Streamlit); the Compare page and tests call it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from fusion.models.config import UNIMODAL
from fusion.evaluation.accuracy import predict_logits, score
from fusion.models.strategies import FusionModel
from fusion.tasks import Split, Task

LATENCY_WARMUP = 3


def confusion_matrix(model: FusionModel, task: Task, data: Split | None = None) -> np.ndarray:
    """``[C, C]`` counts on the test split as the model reads it (``task.split(model)``: a built-in
    task at its standard corruption, a dataset folder's test rows): row = true class, column = predicted."""
    data = task.split(model) if data is None else data
    predicted = predict_logits(model, data.inputs, getattr(data, "present", None)).argmax(-1)
    classes = task.num_classes
    flat = data.labels.long() * classes + predicted.long()
    return torch.bincount(flat, minlength=classes * classes).reshape(classes, classes).numpy()


@torch.no_grad()
def latency_per_sample(model: FusionModel, task: Task, batch: int = 1, runs: int = 20, data: Split | None = None) -> dict[str, float]:
    """Wall-clock time of one forward pass on ``batch`` test samples, per sample, in milliseconds:
    the median and the interquartile range over ``runs`` timed passes after a short warm-up.
    ``data``: the test split when the caller already has it (else ``task.split(model)``)."""
    if batch < 1 or runs < 1:
        raise ValueError("batch and runs must be at least 1")
    data = task.split(model) if data is None else data
    inputs = {m: data.inputs[m][:batch] for m in model.modalities}
    for _ in range(LATENCY_WARMUP):
        model(inputs)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model(inputs)
        times.append((time.perf_counter() - start) * 1000.0 / batch)
    if len(times) >= 2:
        q1, _, q3 = statistics.quantiles(times, n=4)
    else:
        q1 = q3 = times[0]
    return {"median_ms": statistics.median(times), "iqr": q3 - q1}


def model_kind(model: FusionModel) -> str:
    return "unimodal baseline" if model.config.strategy == UNIMODAL else "fusion strategy"


def model_mechanism(model: FusionModel) -> str:
    """The operator (early, hybrid) or combiner (late, unimodal) of a model, for display."""
    config = model.config
    if config.operator:
        return f"operator: {config.operator}"
    if config.combiner:
        return f"combiner: {config.combiner}"
    return "—"


def comparison_table(models: Mapping[str, FusionModel], task: Task, latency_runs: int = 20) -> list[dict[str, Any]]:
    """One row per model: model, kind, operator/combiner, parameters, test accuracy, nll, latency,
    on ``task``'s test split as each model reads it (``task.split(model)``)."""
    rows = []
    for name, model in models.items():
        data = task.split(model)
        result = score(model, data)
        latency = latency_per_sample(model, task, runs=latency_runs, data=data)
        rows.append(
            {
                "model": name,
                "kind": model_kind(model),
                "operator / combiner": model_mechanism(model),
                "modalities": ", ".join(model.modalities),
                "parameters": model.num_parameters(),
                "test accuracy": result["accuracy"],
                "nll": result["nll"],
                "latency median ms": round(latency["median_ms"], 3),
            }
        )
    return rows


def missing_modality_accuracy(
    models: Mapping[str, FusionModel], task: Task | Callable[[FusionModel], Split]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Test accuracy of each model with every modality it has (``full``) and with each one removed
    (``missing[name][m]``), on ``task.split(model)``, whose rows may lack modalities (``.present``).
    (A function ``model -> split`` is still taken for tests/embeddings/test_heads.py.)"""
    split = task.split if isinstance(task, Task) else task
    full, missing = {}, {}
    for name, model in models.items():
        data = split(model)
        present = getattr(data, "present", None) or {m: torch.ones(len(data), dtype=torch.bool) for m in model.modalities}
        present = {m: present[m] for m in model.modalities}
        full[name] = score(model, data, present)["accuracy"]
        if len(model.modalities) > 1:
            missing[name] = {
                m: score(model, data, {**present, m: torch.zeros_like(present[m])})["accuracy"] for m in model.modalities
            }
    return full, missing
