"""Frozen-encoder embeddings as model input: the tokenizer of a fusion head over an encoder.

Input layout ``[B, T, F + 1]``: ``T`` token vectors of ``F`` features (``T = 1`` for a pooled
embedding), zero-padded at the end, and a last channel that is 1 on real tokens and 0 on padding.
Carrying the mask inside the tensor keeps the model's ``inputs`` one tensor per modality, and lets
Integrated Gradients move the features along a straight path while the mask stays fixed.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn


def embedding_input(vectors: list[np.ndarray | None], tokens: int, features: int) -> Tensor:
    """Per sample ``[t, F]`` (or ``[F]``) float arrays, or None when absent -> ``[B, tokens, F + 1]``.

    Longer sequences are cut to ``tokens``; absent samples are all padding.
    """
    out = torch.zeros(len(vectors), tokens, features + 1)
    for row, vector in enumerate(vectors):
        if vector is None:
            continue
        array = np.asarray(vector, dtype=np.float32).reshape(-1, features)[:tokens]
        out[row, : len(array), :features] = torch.from_numpy(np.ascontiguousarray(array))
        out[row, : len(array), features] = 1.0
    return out


class EmbeddingTokenizer(nn.Module):
    """Standardise the encoder's features with the training set's statistics, project linearly to
    the head's width, and add a learned position per token slot; padding slots are invalid.

    Standardisation is a fixed affine map (buffers ``mean`` and ``scale``, saved with the weights),
    not a LayerNorm: a LayerNorm is blind to the input's scale, which would make the Integrated
    Gradients path from the baseline flat almost everywhere.
    """

    def __init__(self, features: int, num_tokens: int, width: int) -> None:
        super().__init__()
        self.num_tokens = num_tokens
        self.features = features
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("scale", torch.ones(features))
        self.proj = nn.Linear(features, width)
        self.position = nn.Parameter(torch.zeros(1, num_tokens, width))
        if num_tokens > 1:
            nn.init.normal_(self.position, std=0.02)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if x.shape[-2:] != (self.num_tokens, self.features + 1):
            raise ValueError(
                f"expected embeddings [B, {self.num_tokens}, {self.features + 1}], got {list(x.shape)}"
            )
        valid = x[..., -1] > 0.5
        tokens = self.proj((x[..., :-1] - self.mean) * self.scale) + self.position
        return tokens, valid

    @torch.no_grad()
    def fit_statistics(self, x: Tensor) -> None:
        """Set ``mean`` / ``scale`` from the real tokens of training inputs ``[N, T, F + 1]``."""
        real = x[x[..., -1] > 0.5][:, :-1]
        if len(real) == 0:
            return
        self.mean.copy_(real.mean(0))
        self.scale.copy_(1.0 / real.std(0, correction=0).clamp_min(1e-4))

    def baseline(self, x: Tensor) -> Tensor:
        """The Integrated Gradients baseline: the training set's mean embedding on the same real tokens."""
        base = torch.zeros_like(x)
        real = x[..., -1:] > 0.5
        base[..., :-1] = torch.where(real, self.mean.to(x.dtype), torch.zeros((), dtype=x.dtype))
        base[..., -1] = x[..., -1]
        return base
