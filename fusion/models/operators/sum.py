"""Sum fusion: project each modality to a shared width and add the present ones."""

from __future__ import annotations

from torch import Tensor, nn

from fusion.models.layers import present_weights
from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS


@OPERATORS.register("sum")
class SumFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.proj = nn.ModuleDict({m: nn.Linear(d, out_dim) for m, d in modality_dims.items()})

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        mask = present_weights(present, self.modalities)
        total = sum(self.proj[m](embeddings[m]) * mask[:, i : i + 1] for i, m in enumerate(self.modalities))
        return Fused(total)
