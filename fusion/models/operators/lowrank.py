"""Low-rank multimodal fusion (Liu et al. 2018): tensor fusion with a rank-R factorised weight.

``h = sum_r prod_m (W_m^r [z_m, 1])``; absent modalities enter as ``[0, 1]`` as in tensor fusion.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS
from fusion.models.operators.tensor import augmented

RANK = 4


@OPERATORS.register("lowrank")
class LowRankFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.factors = nn.ParameterDict(
            {m: nn.Parameter(torch.randn(RANK, d + 1, out_dim) * (d + 1) ** -0.5) for m, d in modality_dims.items()}
        )
        self.rank_weights = nn.Parameter(torch.full((RANK,), 1.0 / RANK))
        self.bias = nn.Parameter(torch.zeros(out_dim))

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        product = None
        for m in self.modalities:
            z = augmented(embeddings[m], present[m])
            factor = torch.einsum("bd,rdo->bro", z, self.factors[m])
            product = factor if product is None else product * factor
        return Fused(torch.einsum("bro,r->bo", product, self.rank_weights) + self.bias)
