"""Late-fusion combiners: per-modality class logits -> one prediction, respecting the present mask.

Each returns ``(logits [B, C], weights [B, M])``. The probability combiners return proper
log-probabilities for every coalition of present modalities: log of the weighted mean of the
present modalities' probabilities and, with no modality present, the log-softmax of a learned
prior (before December 2026 the raw prior itself, whose logsumexp was 2.30 on digits, so a
raw-logit Shapley game split that offset across the modalities). The softmax of every output is
unchanged. ``logit_sum`` returns its bias with none present, so it stays exactly additive on the
logit scale: ``logits = bias + sum over present m of logits_m`` (its outputs are logits, not
log-probabilities; the log-probability Shapley game applies log-softmax to every coalition).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from fusion.models.layers import present_weights
from fusion.registry import Registry

COMBINERS: Registry[type[nn.Module]] = Registry("late-fusion combiner")


class Combiner(nn.Module):
    def __init__(self, modalities: list[str], num_classes: int) -> None:
        super().__init__()
        self.modalities = sorted(modalities)
        self.prior = nn.Parameter(torch.zeros(num_classes))

    def weights(self, probabilities: Tensor, mask: Tensor) -> Tensor:
        """``[B, M]`` weights over modalities (rows sum to 1 over the present ones)."""
        raise NotImplementedError

    def forward(self, modality_logits: dict[str, Tensor], present: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        mask = present_weights(present, self.modalities)
        probabilities = torch.stack([torch.softmax(modality_logits[m], -1) for m in self.modalities], dim=1)
        weights = self.weights(probabilities, mask) * mask
        weights = weights / weights.sum(1, keepdim=True).clamp_min(1e-12)
        mixed = (weights.unsqueeze(-1) * probabilities).sum(1)
        logits = torch.log(mixed.clamp_min(1e-12))
        none_present = mask.sum(1, keepdim=True) == 0
        prior = torch.log_softmax(self.prior, -1).expand_as(logits)
        return torch.where(none_present, prior, logits), weights


@COMBINERS.register("mean")
class MeanProbability(Combiner):
    """The plain mean of the present modalities' probabilities."""

    def weights(self, probabilities: Tensor, mask: Tensor) -> Tensor:
        return torch.ones_like(mask)


@COMBINERS.register("confidence")
class ConfidenceWeighted(Combiner):
    """Weights proportional to each modality's confidence: 1 - normalised entropy of its prediction."""

    def weights(self, probabilities: Tensor, mask: Tensor) -> Tensor:
        entropy = -(probabilities * probabilities.clamp_min(1e-12).log()).sum(-1)
        return (1.0 - entropy / math.log(probabilities.shape[-1])).clamp_min(1e-6)


@COMBINERS.register("learned")
class LearnedWeights(Combiner):
    """One learned weight per modality (softmax over the present ones)."""

    def __init__(self, modalities: list[str], num_classes: int) -> None:
        super().__init__(modalities, num_classes)
        self.scores = nn.Parameter(torch.zeros(len(modalities)))

    def weights(self, probabilities: Tensor, mask: Tensor) -> Tensor:
        return torch.softmax(self.scores, 0).expand_as(mask)


@COMBINERS.register("logit_sum")
class LogitSum(nn.Module):
    """Sum of the present modalities' logits plus a bias: exactly additive across modalities."""

    def __init__(self, modalities: list[str], num_classes: int) -> None:
        super().__init__()
        self.modalities = sorted(modalities)
        self.bias = nn.Parameter(torch.zeros(num_classes))

    def forward(self, modality_logits: dict[str, Tensor], present: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        mask = present_weights(present, self.modalities)
        stacked = torch.stack([modality_logits[m] for m in self.modalities], dim=1)
        return self.bias + (mask.unsqueeze(-1) * stacked).sum(1), mask
