"""Calibration: does a model's confidence match how often it is right? Expected calibration error
(ECE) over equal-width confidence bins, and the reliability diagram's bins, on a task's test split."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from fusion.evaluation.accuracy import predict_logits

BINS = 10


@dataclass(frozen=True)
class Calibration:
    """``ece``: sum over bins of (share of samples) x |accuracy - mean confidence|, in [0, 1].
    Per bin (equal width over the top-class probability, empty bins left out): its lower and upper
    edge, sample count, accuracy and mean confidence."""

    ece: float
    edges: tuple[tuple[float, float], ...]
    counts: tuple[int, ...]
    accuracy: tuple[float, ...]
    confidence: tuple[float, ...]
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


def calibration(probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS) -> Calibration:
    """From class probabilities ``[N, C]`` and labels ``[N]``."""
    probabilities, labels = np.asarray(probabilities, dtype=np.float64), np.asarray(labels)
    if probabilities.ndim != 2 or len(probabilities) != len(labels) or len(labels) == 0:
        raise ValueError("calibration needs probabilities [N, C] and N labels, N > 0")
    confidence = probabilities.max(1)
    correct = probabilities.argmax(1) == labels
    index = np.minimum((confidence * bins).astype(int), bins - 1)  # confidence 1.0 falls in the last bin
    edges, counts, accuracy, mean_confidence, ece = [], [], [], [], 0.0
    for b in range(bins):
        members = index == b
        if not members.any():
            continue
        share, acc, conf = members.mean(), correct[members].mean(), confidence[members].mean()
        ece += share * abs(acc - conf)
        edges.append((b / bins, (b + 1) / bins))
        counts.append(int(members.sum()))
        accuracy.append(float(acc))
        mean_confidence.append(float(conf))
    return Calibration(float(ece), tuple(edges), tuple(counts), tuple(accuracy), tuple(mean_confidence), len(labels))


def model_calibration(model: torch.nn.Module, task, bins: int = BINS) -> Calibration:
    """A model's calibration on ``task``'s test split as it reads it (``task.split(model)``)."""
    data = task.split(model)
    probabilities = torch.softmax(predict_logits(model, data.inputs, data.present), -1).numpy()
    return calibration(probabilities, data.labels.numpy(), bins)
