"""Side-by-side comparison of a task's models: confusion matrices, missing modalities, and one summary table.

Everything here is plain Python/torch (no Streamlit); the Compare page and tests call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from fusion.models.config import UNIMODAL
from fusion.evaluation.accuracy import predict_logits, score
from fusion.evaluation.cost import cached_cost, one_row
from fusion.models.strategies import FusionModel
from fusion.tasks import Split, Task

def confusion_matrix(model: FusionModel, task: Task, data: Split | None = None) -> np.ndarray:
    """``[C, C]`` counts on the test split as the model reads it (``task.split(model)``: a built-in
    task at its standard corruption, a dataset folder's test rows): row = true class, column = predicted."""
    data = task.split(model) if data is None else data
    predicted = predict_logits(model, data.inputs, getattr(data, "present", None)).argmax(-1)
    classes = task.num_classes
    flat = data.labels.long() * classes + predicted.long()
    return torch.bincount(flat, minlength=classes * classes).reshape(classes, classes).numpy()


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
    """One row per model: model, kind, operator/combiner, parameters, test accuracy, nll, and its
    cost per sample (FLOPs, latency, peak memory; measured once per model, then read from disk),
    on ``task``'s test split as each model reads it (``task.split(model)``)."""
    rows = []
    for name, model in models.items():
        data = task.split(model)
        result = score(model, data)
        inputs, present = one_row(data.inputs, data.present)
        figures = cached_cost(model, {m: inputs[m] for m in model.modalities}, present, runs=latency_runs)
        rows.append(
            {
                "model": name,
                "kind": model_kind(model),
                "operator / combiner": model_mechanism(model),
                "modalities": ", ".join(model.modalities),
                "parameters": model.num_parameters(),
                "test accuracy": result["accuracy"],
                "nll": result["nll"],
                "FLOPs": figures.flops,
                "latency median ms": round(figures.latency_ms, 3),
                "latency IQR ms": round(figures.latency_iqr_ms, 3),
                "peak memory MB": round(figures.peak_memory_mb, 3),
            }
        )
    return rows


def missing_modality_accuracy(
    models: Mapping[str, FusionModel], task: Task
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Test accuracy of each model with every modality it has (``full``) and with each one removed
    (``missing[name][m]``), on ``task.split(model)``, whose rows may lack modalities (``.present``)."""
    full, missing = {}, {}
    for name, model in models.items():
        data = task.split(model)
        present = getattr(data, "present", None) or {m: torch.ones(len(data), dtype=torch.bool) for m in model.modalities}
        present = {m: present[m] for m in model.modalities}
        full[name] = score(model, data, present)["accuracy"]
        if len(model.modalities) > 1:
            missing[name] = {
                m: score(model, data, {**present, m: torch.zeros_like(present[m])})["accuracy"] for m in model.modalities
            }
    return full, missing
