"""Accuracy of a model on a task split, at the task's standard corruption unless told otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from fusion.tasks.splits import TensorSplit, tensor_split
from fusion.models.strategies import FusionModel

EVAL_BATCH = 512


@torch.no_grad()
def predict_logits(model: FusionModel, inputs: dict[str, Tensor], present: dict[str, Tensor] | None = None) -> Tensor:
    """Logits for a whole split, in batches; ``present`` defaults to every modality present."""
    model.eval()
    total = next(iter(inputs.values())).shape[0]
    chunks = []
    for start in range(0, total, EVAL_BATCH):
        part = {m: inputs[m][start : start + EVAL_BATCH] for m in model.modalities}
        mask = None if present is None else {m: v[start : start + EVAL_BATCH] for m, v in present.items()}
        chunks.append(model(part, mask).logits)
    return torch.cat(chunks)


def score(model: FusionModel, data: TensorSplit, present: dict[str, Tensor] | None = None) -> dict[str, Any]:
    logits = predict_logits(model, data.inputs, present)
    predicted = logits.argmax(-1)
    nll = torch.nn.functional.cross_entropy(logits, data.labels).item()
    return {
        "accuracy": round((predicted == data.labels).float().mean().item(), 4),
        "n": len(data),
        "nll": round(nll, 4),
    }


def evaluate(
    model: FusionModel, split: str = "test", corruption: Mapping[str, float] | None = None, seed: int = 0
) -> dict[str, Any]:
    """One result row: ``{"strategy", "accuracy", "n", "nll", "parameters", "split", "corruption"}``."""
    config = model.config
    data = tensor_split(config.task, split, corruption, seed, config.vocabulary or None)
    from fusion.data.corruption import STANDARD_CORRUPTION

    used = dict(STANDARD_CORRUPTION[config.task] if corruption is None else corruption)
    return {
        "strategy": config.name,
        **score(model, data),
        "parameters": model.num_parameters(),
        "split": split,
        "corruption": used,
    }
