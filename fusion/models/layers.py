"""Small building blocks shared by every strategy."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class TransformerBlock(nn.Module):
    """Pre-norm transformer block that returns its attention weights instead of discarding them.

    ``forward(x, key_valid, context=None)``: self-attention when ``context`` is None, otherwise
    cross-attention from ``x`` (queries) to ``context`` (keys/values). ``key_valid`` marks real keys.
    Returns the new tokens and the weights ``[B, heads, Tq, Tk]``.
    """

    def __init__(self, width: int, heads: int, mlp_ratio: float = 2.0, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(width)
        self.norm_kv = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.norm_mlp = nn.LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, key_valid: Tensor, context: Tensor | None = None) -> tuple[Tensor, Tensor]:
        query = self.norm_q(x)
        keys = query if context is None else self.norm_kv(context)
        out, weights = self.attn(
            query, keys, keys, attn_mask=self._score_mask(key_padding(key_valid), query.shape[1]),
            need_weights=True, average_attn_weights=False,
        )
        x = x + self.dropout(out)
        x = x + self.dropout(self.mlp(self.norm_mlp(x)))
        return x, weights

    def _score_mask(self, padding: Tensor, queries: int) -> Tensor:
        """The key mask as the additive score mask ``[B * heads, Tq, Tk]`` that torch builds from a
        ``key_padding_mask`` itself (-inf on masked keys, log-weights as they are), so the scores
        are bitwise the same. Passed this way because torch checks a ``key_padding_mask``'s shape
        with ``torch._check_with``, whose first call imports sympy: 1.5 s on the app's first page."""
        if padding.dtype == torch.bool:
            padding = torch.zeros_like(padding, dtype=torch.float32).masked_fill_(padding, float("-inf"))
        batch, keys = padding.shape
        heads = self.attn.num_heads
        return padding.view(batch, 1, 1, keys).expand(batch, heads, queries, keys).reshape(batch * heads, queries, keys)


def key_padding(valid: Tensor) -> Tensor:
    """The attention's key mask from ``valid``: a bool mask (True = a real key), or a float weight
    in [0, 1] per key, added as log(weight) to the attention scores, so weight 0 is exactly a
    masked key and weight 1 a real one. The float form lets Integrated Gradients move words from
    "no words" (masked) to present along a continuous path (``fusion.explain.gradients``)."""
    if valid.dtype == torch.bool:
        return ~valid
    positive = valid > 0
    safe = torch.where(positive, valid, torch.ones_like(valid))  # no log(0) in the graph: no NaN gradient
    return torch.where(positive, torch.log(safe), torch.full_like(valid, float("-inf")))


def and_present(valid: Tensor, present: Tensor) -> Tensor:
    """``valid [B, T]`` (bool, or float weights) with the rows of absent samples (``present [B]``) masked."""
    if valid.dtype == torch.bool:
        return valid & present.unsqueeze(1)
    return valid * present.unsqueeze(1).to(valid.dtype)


def masked_mean(tokens: Tensor, valid: Tensor) -> Tensor:
    """Mean over the valid tokens of ``[B, T, D]``; rows without a valid token give zeros."""
    weights = valid.to(tokens.dtype).unsqueeze(-1)
    return (tokens * weights).sum(1) / weights.sum(1).clamp_min(1.0)


def present_weights(present: dict[str, Tensor], names: list[str]) -> Tensor:
    """``[B, M]`` float mask of the present modalities, in ``names`` order."""
    return torch.stack([present[name].to(torch.float32) for name in names], dim=1)


class ResidualMLP(nn.Module):
    """``depth`` pre-norm residual MLP blocks: the shared network of the early vector path."""

    def __init__(self, width: int, hidden: int, depth: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(width), nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))
            for _ in range(depth)
        )

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks:
            x = x + block(x)
        return x
