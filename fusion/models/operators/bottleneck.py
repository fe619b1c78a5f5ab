"""Bottleneck fusion after Nagrani et al. 2021 (MBT, "Attention Bottlenecks for Multimodal Fusion"):
modalities exchange information only through a few shared tokens.

Two forms, one idea:

- ``BottleneckFusion`` (the registered operator ``bottleneck``, on one vector per modality):
  ``BOTTLENECK_TOKENS`` learned tokens attend to the present modalities' projected vectors (absent
  ones are masked keys) and the fused vector is read from those tokens only. Its weights are the
  tokens' attention averaged over tokens, ``[B, M]`` over the present modalities (rows sum to 1;
  all zeros with nothing present, where the result is the tokens' learned initial state).
- ``BottleneckExchange`` (what hybrid fusion with ``--operator bottleneck`` uses instead of
  cross-modal attention, on token sequences): in each of ``BOTTLENECK_LAYERS`` layers, every
  present modality runs one transformer block over ``[its CLS + tokens, the bottleneck tokens]``;
  the new bottleneck is the mean of the present modalities' updated copies (MBT's update). A
  modality's tokens never attend to another modality's tokens: everything crosses through the
  bottleneck, whose attention onto each modality's tokens is returned as its own map.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.layers import TransformerBlock, present_weights
from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS

BOTTLENECK_TOKENS = 4
BOTTLENECK_LAYERS = 2  # information needs two layers to cross: written in the first, read in the second


@OPERATORS.register("bottleneck")
class BottleneckFusion(FusionOperator):
    def __init__(self, modality_dims: dict[str, int], out_dim: int) -> None:
        super().__init__(modality_dims, out_dim)
        self.proj = nn.ModuleDict({m: nn.Linear(d, out_dim) for m, d in modality_dims.items()})
        self.tokens = nn.Parameter(torch.randn(BOTTLENECK_TOKENS, out_dim) * 0.02)
        self.query = nn.Linear(out_dim, out_dim)
        self.out = nn.Linear(out_dim, out_dim)

    def forward(self, embeddings: dict[str, Tensor], present: dict[str, Tensor]) -> Fused:
        mask = present_weights(present, self.modalities)  # [B, M]
        values = torch.stack([self.proj[m](embeddings[m]) for m in self.modalities], dim=1)  # [B, M, D]
        values = values * mask.unsqueeze(-1)  # absent vectors never enter, even as zeros times weights
        scores = torch.einsum("td,bmd->btm", self.query(self.tokens), values) / values.shape[-1] ** 0.5
        scores = scores.masked_fill(mask.unsqueeze(1) == 0, float("-inf"))
        attention = torch.softmax(scores, dim=-1).nan_to_num(0.0)  # [B, T, M]; nothing present -> zeros
        tokens = self.tokens + torch.einsum("btm,bmd->btd", attention, values)
        return Fused(self.out(tokens.mean(1)), attention.mean(1))


class BottleneckExchange(nn.Module):
    """Token-level bottleneck fusion between modalities (see the module docstring).

    ``forward(sequences, valid, present)``: per modality ``[B, 1 + T_m, D]`` (its [CLS] first) and
    ``[B, 1 + T_m]`` valid keys, and the ``[B]`` present masks. Returns the updated sequences and,
    per layer and modality, the block's attention ``[B, heads, 1 + T_m + N, 1 + T_m + N]`` (the
    bottleneck's ``N`` tokens last).
    """

    def __init__(self, width: int, heads: int, mlp_ratio: float, dropout: float, modalities: list[str]) -> None:
        super().__init__()
        self.modalities = sorted(modalities)
        self.tokens = nn.Parameter(torch.randn(1, BOTTLENECK_TOKENS, width) * 0.02)
        self.blocks = nn.ModuleList(TransformerBlock(width, heads, mlp_ratio, dropout) for _ in range(BOTTLENECK_LAYERS))

    def forward(self, sequences: dict[str, Tensor], valid: dict[str, Tensor], present: dict[str, Tensor]
                ) -> tuple[dict[str, Tensor], list[dict[str, Tensor]]]:
        batch = next(iter(sequences.values())).shape[0]
        bottleneck = self.tokens.expand(batch, -1, -1)
        weights = present_weights(present, self.modalities)  # [B, M]
        always = torch.ones(batch, BOTTLENECK_TOKENS, dtype=torch.bool)
        layers = []
        for block in self.blocks:
            updated, attention = [], {}
            for m in self.modalities:
                length = sequences[m].shape[1]
                x, w = block(torch.cat([sequences[m], bottleneck], dim=1), torch.cat([valid[m], always], dim=1))
                sequences = {**sequences, m: x[:, :length]}
                updated.append(x[:, length:])
                attention[m] = w
            count = weights.sum(1).clamp_min(1.0)[:, None, None]
            mean = (torch.stack(updated, dim=1) * weights[:, :, None, None]).sum(1) / count
            bottleneck = torch.where(weights.sum(1)[:, None, None] > 0, mean, bottleneck)
            layers.append(attention)
        return sequences, layers
