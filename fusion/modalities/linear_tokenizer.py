"""Shared tokenizer for fixed-length continuous inputs: split into tokens, embed linearly, add positions."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class LinearTokenizer(nn.Module):
    """Subclasses set ``num_tokens`` and ``token_features`` and implement ``split`` (input -> [B, T, F])."""

    num_tokens: int
    token_features: int

    def __init__(self, width: int) -> None:
        super().__init__()
        self.proj = nn.Linear(self.token_features, width)
        self.position = nn.Parameter(torch.zeros(1, self.num_tokens, width))
        nn.init.normal_(self.position, std=0.02)

    def split(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        tokens = self.proj(self.split(x)) + self.position
        valid = torch.ones(tokens.shape[:2], dtype=torch.bool, device=tokens.device)
        return tokens, valid
