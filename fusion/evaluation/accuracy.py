"""Accuracy of a model on a task split, at the task's standard corruption unless told otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from fusion.errors import ConfigError
from fusion.models.strategies import FusionModel
from fusion.tasks import Split, Task, get_task

EVAL_BATCH = 512


@torch.no_grad()
def predict_logits(model: FusionModel, inputs: dict[str, Tensor], present: dict[str, Tensor] | None = None) -> Tensor:
    """Logits for a whole split, in batches; ``present`` defaults to every modality present.

    The model is read, never switched: models are shared between the app's sessions, so one in
    training mode is refused rather than put in eval mode here (the training loop does that itself)."""
    if model.training:
        raise ValueError("the model is in training mode (dropout would make its answers random); call model.eval() first")
    total = next(iter(inputs.values())).shape[0]
    chunks = []
    for start in range(0, total, EVAL_BATCH):
        part = {m: inputs[m][start : start + EVAL_BATCH] for m in model.modalities}
        mask = None if present is None else {m: v[start : start + EVAL_BATCH] for m, v in present.items()}
        chunks.append(model(part, mask).logits)
    return torch.cat(chunks)


def score(model: FusionModel, data: Split, present: dict[str, Tensor] | None = None,
          predictions: bool = False) -> dict[str, Any]:
    """Accuracy, n and mean negative log-likelihood on ``data`` (its own ``present`` mask unless
    one is given); ``predictions=True`` adds each row's predicted class, in split order."""
    present = present if present is not None else getattr(data, "present", None)
    logits = predict_logits(model, data.inputs, present)
    predicted = logits.argmax(-1)
    nll = torch.nn.functional.cross_entropy(logits, data.labels).item()
    result = {
        "accuracy": round((predicted == data.labels).float().mean().item(), 4),
        "n": len(data),
        "nll": round(nll, 4),
    }
    if predictions:
        result["predictions"] = [int(p) for p in predicted]
    return result


def evaluate(
    model: FusionModel, split: str = "test", corruption: Mapping[str, float] | None = None, seed: int = 0,
    task: Task | None = None, predictions: bool = False,
) -> dict[str, Any]:
    """One result row: ``{"strategy", "accuracy", "n", "nll", "parameters", "split", "corruption"}``
    (plus ``"predictions"``), on ``task`` (default: the model's own task) as the model reads it."""
    task = task if task is not None else get_task(model.config.task)
    data = task.split(model, split, corruption, seed)
    if len(data) == 0:
        raise ConfigError(f"task {task.name!r} has no {split} rows")
    return {
        "strategy": model.config.name,
        **score(model, data, predictions=predictions),
        "parameters": model.num_parameters(),
        "split": split,
        "corruption": task.corruption(corruption),
    }
