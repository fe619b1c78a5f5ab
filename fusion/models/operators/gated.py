"""Gated fusion: a softmax gate over the present modalities weighs their projected embeddings.

The gate is computed from all present embeddings; absent modalities get weight exactly 0. The
weights are returned (``Fused.weights``) so the UI can show how much each modality was used.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.layers import present_weights
from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS


@OPERATORS.register("gated")
class GatedFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.proj = nn.ModuleDict({m: nn.Linear(d, out_dim) for m, d in modality_dims.items()})
        self.gate = nn.ModuleDict({m: nn.Linear(d, 1) for m, d in modality_dims.items()})

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        mask = present_weights(present, self.modalities)
        scores = torch.cat([self.gate[m](embeddings[m]) for m in self.modalities], dim=-1)
        scores = scores.masked_fill(mask == 0, float("-inf"))
        weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)  # no modality present -> all zeros
        values = torch.stack([torch.tanh(self.proj[m](embeddings[m])) for m in self.modalities], dim=1)
        return Fused((weights.unsqueeze(-1) * values).sum(1), weights)
