"""The fusion-operator contract.

An operator combines one embedding per modality into one fused embedding:
``forward(embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused``.
Vector operators take ``[B, D]`` per modality and return ``[B, out_dim]``. Absent modalities (the
``present`` mask is False) are handled in the way natural to each operator, never by pretending
zeros are data. Operators that compute weights return them in ``Fused.weights``.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn


@dataclass(frozen=True)
class Fused:
    value: Tensor
    weights: Tensor | None = None  # [B, M] per-modality weights, modalities in sorted order


class FusionOperator(nn.Module):
    """Base class. ``modality_dims`` maps each modality to its embedding width."""

    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__()
        self.modalities = sorted(modality_dims)
        self.modality_dims = dict(modality_dims)
        self.out_dim = out_dim

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        raise NotImplementedError
