"""Element-wise product fusion: ``prod_m (1 + W_m x_m)``; an absent modality contributes the identity 1.

The ``1 +`` keeps the product from collapsing to 0 at initialisation and makes absence exact.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS


@OPERATORS.register("product")
class ProductFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.proj = nn.ModuleDict({m: nn.Linear(d, out_dim) for m, d in modality_dims.items()})

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        result = None
        for m in self.modalities:
            factor = torch.where(present[m].unsqueeze(-1), 1.0 + self.proj[m](embeddings[m]), 1.0)
            result = factor if result is None else result * factor
        return Fused(result)
