"""Tensor fusion (Zadeh et al. 2017): the outer product of ``[z_m, 1]`` over modalities, projected.

Appending 1 keeps every lower-order term (unimodal and bimodal) in the product. An absent modality
is ``[0, ..., 0, 1]``: only its constant survives, so absence removes exactly its terms. Each
modality is first reduced to ``rank_dim`` features to keep the outer product small.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS

REDUCED_DIM = 6


def augmented(z: Tensor, present: Tensor) -> Tensor:
    """``[z, 1]`` for present rows and ``[0, 1]`` for absent ones."""
    z = z * present.unsqueeze(-1).to(z.dtype)
    return torch.cat([z, torch.ones_like(z[:, :1])], dim=-1)


@OPERATORS.register("tensor")
class TensorFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.reduce = nn.ModuleDict({m: nn.Linear(d, REDUCED_DIM) for m, d in modality_dims.items()})
        self.proj = nn.Linear((REDUCED_DIM + 1) ** len(modality_dims), out_dim)

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        outer = None
        for m in self.modalities:
            z = augmented(self.reduce[m](embeddings[m]), present[m])
            outer = z if outer is None else torch.einsum("bi,bj->bij", outer, z).flatten(1)
        return Fused(self.proj(outer))
