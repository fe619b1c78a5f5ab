"""Is an input like the data the models were trained on? Per modality, the distance from the
input to its k-th nearest training input, placed among the same distances of the validation split:
a percentile of 0.99 means farther than 99 % of validation inputs. Explore warns above
``UNFAMILIAR`` (calibrated on the validation split, so about 1 % of ordinary inputs are flagged)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

K = 5
UNFAMILIAR = 0.99


def features(model: torch.nn.Module, modality: str, x: Tensor) -> np.ndarray:
    """``[B, D]`` float features of a batch of one modality's model inputs: word counts for word
    ids, the mean of the real tokens for a head's embeddings, the flattened input otherwise."""
    config = model.config
    if x.dtype == torch.long:
        size = max(len(config.vocabulary), int(x.max()) + 1)
        counts = torch.zeros(len(x), size).scatter_add_(1, x, torch.ones_like(x, dtype=torch.float32))
        return counts[:, 1:].numpy()  # id 0 is padding
    if config.encoder_input(modality) is not None:
        real = x[..., -1:]
        return ((x[..., :-1] * real).sum(1) / real.sum(1).clamp_min(1.0)).numpy()
    return x.reshape(len(x), -1).to(torch.float32).numpy()


def kth_distance(reference: np.ndarray, points: np.ndarray, k: int = K, skip_self: bool = False) -> np.ndarray:
    """Euclidean distance from each point to its k-th nearest reference row."""
    squared = (points**2).sum(1)[:, None] + (reference**2).sum(1)[None, :] - 2 * points @ reference.T
    distances = np.sqrt(np.maximum(squared, 0.0))
    distances.sort(axis=1)
    return distances[:, k if skip_self else k - 1]


@dataclass(frozen=True, eq=False)
class Familiarity:
    """The training inputs of each modality and the validation split's k-th-neighbour distances."""

    train: dict[str, np.ndarray]
    validation: dict[str, np.ndarray]  # sorted

    @classmethod
    def fit(cls, model: torch.nn.Module, task) -> Familiarity:
        train, val = task.split(model, "train"), task.split(model, "val")
        reference, scores = {}, {}
        for m in model.modalities:
            rows = _present_rows(train, m)
            reference[m] = features(model, m, train.inputs[m][rows])
            held_out = features(model, m, val.inputs[m][_present_rows(val, m)])
            scores[m] = np.sort(kth_distance(reference[m], held_out))
        return cls(reference, scores)

    def percentile(self, model: torch.nn.Module, inputs: dict[str, Tensor], modality: str) -> float:
        """Where one input (a batch of one) falls among the validation inputs' distances, in [0, 1]."""
        distance = kth_distance(self.train[modality], features(model, modality, inputs[modality][:1]))[0]
        return float(np.searchsorted(self.validation[modality], distance, side="right") / len(self.validation[modality]))


def _present_rows(split, modality: str) -> Tensor:
    if split.present is None:
        return torch.arange(len(split))
    return torch.nonzero(split.present[modality]).flatten()


def notices(familiarity: Familiarity, model: torch.nn.Module, sample, threshold: float = UNFAMILIAR) -> list[str]:
    """A sentence per modality of ``sample`` that is unlike the training data (for Explore)."""
    from fusion.models.inputs import sample_inputs

    inputs, _ = sample_inputs(model.config, [sample.values])
    out = []
    for m in model.modalities:
        if m in sample.modalities and m in familiarity.train:
            where = familiarity.percentile(model, inputs, m)
            if where > threshold:
                out.append(f"The {m} is unlike the training data: farther from its nearest training examples than "
                           f"{where:.1%} of validation inputs are. The models may be out of their depth here.")
    return out
