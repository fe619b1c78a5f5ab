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
from fusion.tasks.splits import tensor_split
from fusion.evaluation.accuracy import predict_logits, score
from fusion.models.strategies import FusionModel
from fusion.training.loop import Split

LATENCY_WARMUP = 3


SplitOf = Callable[[FusionModel], Split]  # a model's test split (heads read model-specific inputs)


def _test_split(model: FusionModel, task: str, split: SplitOf | None = None) -> Split:
    """``split(model)`` when given (a dataset folder's test split as this head reads it), else the
    built-in task's test split at its standard corruption, tokenised with the model's vocabulary."""
    if split is not None:
        return split(model)
    return tensor_split(task, "test", None, 0, model.config.vocabulary or None)


def confusion_matrix(model: FusionModel, task: str, split: SplitOf | None = None) -> np.ndarray:
    """``[C, C]`` counts on the test split (standard corruption): row = true class, column = predicted."""
    data = _test_split(model, task, split)
    predicted = predict_logits(model, data.inputs, getattr(data, "present", None)).argmax(-1)
    classes = model.config.num_classes
    flat = data.labels.long() * classes + predicted.long()
    return torch.bincount(flat, minlength=classes * classes).reshape(classes, classes).numpy()


@torch.no_grad()
def latency_per_sample(model: FusionModel, task: str, batch: int = 1, runs: int = 20, split: SplitOf | None = None) -> dict[str, float]:
    """Wall-clock time of one forward pass on ``batch`` test samples, per sample, in milliseconds:
    the median and the interquartile range over ``runs`` timed passes after a short warm-up."""
    if batch < 1 or runs < 1:
        raise ValueError("batch and runs must be at least 1")
    data = _test_split(model, task, split)
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


def comparison_table(
    models: Mapping[str, FusionModel], task: str, latency_runs: int = 20, split: SplitOf | None = None
) -> list[dict[str, Any]]:
    """One row per model: model, kind, operator/combiner, parameters, test accuracy, nll, latency.

    ``split``: gives a head's test split on a dataset folder, instead of the built-in task's.
    """
    rows = []
    for name, model in models.items():
        data = _test_split(model, task, split)
        result = score(model, data, getattr(data, "present", None))
        latency = latency_per_sample(model, task, runs=latency_runs, split=lambda _model: data)
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


def missing_modality_accuracy(models: Mapping[str, FusionModel], split: SplitOf) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Test accuracy of each model with every modality it has (``full``) and with each one removed
    (``missing[name][m]``), on ``split(model)``, whose rows may lack modalities (``.present``)."""
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
