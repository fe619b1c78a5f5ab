"""FiLM fusion (Perez et al. 2018, feature-wise linear modulation): each modality's features are
scaled and shifted by the OTHER present modalities.

``h = sum over present m of (1 + gamma_m) * W_m x_m + beta_m``, where ``gamma_m`` and ``beta_m``
are sums of linear maps of the other present modalities' embeddings (``gamma_{o->m} x_o``,
``beta_{o->m} x_o``). An absent modality neither contributes features nor modulates anyone; with
one modality present the result is its own projection, unmodulated. The scale and shift maps
start at zero, so training starts from the sum of projections and learns the modulation.
"""

from __future__ import annotations

from torch import Tensor, nn

from fusion.models.layers import present_weights
from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS


def _pair(source: str, target: str) -> str:
    return f"{source}_to_{target}"


@OPERATORS.register("film")
class FiLMFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.proj = nn.ModuleDict({m: nn.Linear(d, out_dim) for m, d in modality_dims.items()})
        pairs = [(o, m) for m in self.modalities for o in self.modalities if o != m]
        self.scale = nn.ModuleDict({_pair(o, m): nn.Linear(modality_dims[o], out_dim) for o, m in pairs})
        self.shift = nn.ModuleDict({_pair(o, m): nn.Linear(modality_dims[o], out_dim) for o, m in pairs})
        for layer in [*self.scale.values(), *self.shift.values()]:  # start as the identity modulation
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        mask = present_weights(present, self.modalities)  # [B, M]
        total = 0.0
        for i, m in enumerate(self.modalities):
            gamma = beta = 0.0
            for j, o in enumerate(self.modalities):
                if o == m:
                    continue
                on = mask[:, j : j + 1]
                gamma = gamma + self.scale[_pair(o, m)](embeddings[o]) * on
                beta = beta + self.shift[_pair(o, m)](embeddings[o]) * on
            modulated = (1.0 + gamma) * self.proj[m](embeddings[m]) + beta
            total = total + modulated * mask[:, i : i + 1]
        return Fused(total)
