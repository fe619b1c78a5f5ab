"""Good examples, found by measuring: the test rows the Learn page opens in Explore, chosen so the
case shows what the text says (never a row picked by hand)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import torch

from fusion.evaluation.accuracy import evaluate
from fusion.explain.shapley import ModalityShapley
from fusion.models.inputs import sample_values_inputs


def rows_where(models: Mapping[str, torch.nn.Module], task, right: Iterable[str], wrong: Iterable[str]) -> list[int]:
    """Test rows that every model in ``right`` gets right and every model in ``wrong`` gets wrong."""
    right, wrong = list(right), list(wrong)
    labels = np.array([task.sample(i).label for i in range(task.split_size("test"))])
    predicted = {name: np.array(evaluate(models[name], task=task, predictions=True)["predictions"]) for name in right + wrong}
    keep = np.ones(len(labels), dtype=bool)
    for name in right:
        keep &= predicted[name] == labels
    for name in wrong:
        keep &= predicted[name] != labels
    return [int(i) for i in np.flatnonzero(keep)]


def largest_shift(model: torch.nn.Module, task, corruption: Mapping[str, float], modality: str, rows: int | None = None) -> int:
    """The test row (among the first ``rows``) whose ``modality`` loses the most Shapley value (on
    the true class's probability) when ``corruption`` is applied, among rows the model gets right clean."""
    best, best_drop = 0, -np.inf
    for i in range(rows or task.split_size("test")):
        clean, corrupted = task.sample(i, corruption={}), task.sample(i, corruption=dict(corruption))
        values = []
        for case in (clean, corrupted):
            inputs, present = sample_values_inputs(model.config, [case.values])
            players = [m for m in model.modalities if bool(present[m][0])]
            values.append(ModalityShapley(model).attribute(inputs, clean.label, players))
        if int(np.argmax(values[0].subset_probabilities[frozenset(values[0].players)])) != clean.label:
            continue
        drop = values[0].values_probability[modality] - values[1].values_probability[modality]
        if drop > best_drop:
            best, best_drop = i, drop
    return best
