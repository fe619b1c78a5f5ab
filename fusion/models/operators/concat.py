"""Concatenation fusion.

Vectors: concatenate (absent modalities are replaced by a learned "absent" vector of their own, so
the model knows what is missing) and project. Token sequences: the early strategy concatenates
whole token sequences for one joint transformer instead (see ``strategies/early.py``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS


@OPERATORS.register("concat")
class ConcatFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.absent = nn.ParameterDict({m: nn.Parameter(torch.zeros(d)) for m, d in modality_dims.items()})
        self.proj = nn.Linear(sum(modality_dims.values()), out_dim)

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        parts = [
            torch.where(present[m].unsqueeze(-1), embeddings[m], self.absent[m].expand_as(embeddings[m]))
            for m in self.modalities
        ]
        return Fused(self.proj(torch.cat(parts, dim=-1)))
