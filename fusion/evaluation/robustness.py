"""Robustness: accuracy as one modality's corruption rises, and with each modality missing.

For each model and each modality m of the task, m's corruption level sweeps ``levels`` while the
other modalities stay at the task's standard corruption (so the curve at m's standard level is the
model's headline accuracy). The grid always includes each modality's standard level (digits:
audio 0.7, image 0.75), added to the levels asked for, so every curve has the point that equals
the headline accuracy. "Missing" marks m absent with the model's own mask, others standard. A task's named
conditions (motion: "frames_shuffled") are scored at the standard corruption too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import torch

from fusion.evaluation.accuracy import score
from fusion.models.strategies import FusionModel
from fusion.tasks import get_task

DEFAULT_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)


def sweep_levels(levels: Sequence[float], standard: Mapping[str, float], modalities: Sequence[str]) -> tuple[float, ...]:
    """``levels`` plus each modality's standard level (0 where the task has none), sorted, unique."""
    return tuple(sorted({float(v) for v in levels} | {float(standard.get(m, 0.0)) for m in modalities}))


@dataclass(frozen=True)
class RobustnessResult:
    task: str
    levels: tuple[float, ...]
    standard: dict[str, float]  # the task's standard corruption, which the other modalities keep
    curves: dict[str, dict[str, list[float]]]  # model -> modality -> accuracy per level
    missing: dict[str, dict[str, float]]  # model -> modality -> accuracy with that modality absent
    full: dict[str, float]  # model -> accuracy at the standard corruption, all present
    n: int
    conditions: dict[str, dict[str, float]] = field(default_factory=dict)  # model -> task condition -> accuracy

    def to_dict(self) -> dict:
        return asdict(self)


def robustness(
    models: Mapping[str, FusionModel],
    task: str,
    levels: Sequence[float] = DEFAULT_LEVELS,
    split: str = "test",
    seed: int = 0,
) -> RobustnessResult:
    """Sweep every modality of ``task`` for every model in ``models`` (name -> model in eval mode)."""
    spec = get_task(task)
    standard = spec.corruption(None)
    levels = sweep_levels(levels, standard, spec.modalities)
    curves: dict[str, dict[str, list[float]]] = {name: {} for name in models}
    missing: dict[str, dict[str, float]] = {name: {} for name in models}
    conditions: dict[str, dict[str, float]] = {name: {} for name in models}
    full, n = {}, 0
    for name, model in models.items():
        base = spec.split(model, split, None, seed)
        full[name], n = score(model, base)["accuracy"], len(base)
        for modality in spec.modalities:
            if modality not in model.modalities:
                continue
            curves[name][modality] = [
                score(model, spec.split(model, split, {**standard, modality: float(level)}, seed))["accuracy"]
                for level in levels
            ]
            absent = {m: torch.full((len(base),), m != modality) for m in model.modalities}
            missing[name][modality] = score(model, base, absent)["accuracy"]
        for condition in spec.conditions:
            conditions[name][condition] = score(model, spec.split(model, split, None, seed, condition=condition))["accuracy"]
    return RobustnessResult(task, levels, standard, curves, missing, full, n, conditions)
