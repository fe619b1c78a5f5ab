"""The model contract shared by every strategy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import torch
from torch import Tensor, nn

from fusion.models.config import ModelConfig
from fusion.models.layers import TransformerBlock, and_present
from fusion.models.inputs import create_tokenizer

Segment = tuple[str, int, int]  # (what, start, stop) along a token axis


@dataclass(frozen=True)
class AttentionMap:
    """Attention weights ``[B, heads, Tq, Tk]`` with the token layout of queries and keys.

    Segments name what each token range is (a modality's tokens, ``cls``, ``null``), so the weights
    can be mapped back onto the input: image tokens are a 4x4 patch grid, audio tokens groups of
    3 log-mel frames, text tokens words.
    """

    weights: Tensor
    queries: tuple[Segment, ...]
    keys: tuple[Segment, ...]


@dataclass
class FusionOutput:
    logits: Tensor  # [B, C]
    modality_logits: dict[str, Tensor] | None  # per-modality class logits where the strategy has them
    attention: dict[str, AttentionMap]
    embeddings: dict[str, Tensor]  # per-modality and fused representations [B, D]
    mixing: dict[str, Tensor] = field(default_factory=dict)  # named [B, K] weights (combiner, gate)


# What a strategy's attention means, for the explainers: one joint stack over every modality's
# tokens, each modality's own network, cross-modal attention between modalities, or none at all.
JOINT, OWN, CROSS, NO_ATTENTION = "joint", "own", "cross", "none"


@dataclass(frozen=True)
class Diagram:
    """How a strategy draws itself: each child attribute's (column, lane) — lane ``modality`` is a
    row per modality, ``center`` the middle, ``fusion`` a lane below — the data flow between
    attributes (``input`` and ``output`` are the ends), the block where the modalities meet,
    parameters drawn inside another block, and what each block does."""

    name: str  # e.g. "early-joint"
    layout: Mapping[str, tuple[int, str]]
    flow: tuple[tuple[str, str], ...]
    meets: str
    roles: Mapping[str, str]
    merged: Mapping[str, str] = field(default_factory=lambda: {"modality_embedding": "tokenizers"})


ROLES = {"tokenizers": "tokens + modality embedding", "head": "classifier head", "heads": "unimodal head",
         "encoders": "unimodal self-attention", "operator": "fusion operator"}


class ModalityInputs(nn.Module):
    """What a model reads per modality: its tokenizer (the modality's own, or an embedding
    tokenizer over a frozen encoder's output) and a learned embedding that marks the modality."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.tokenizers = nn.ModuleDict(
            {m: create_tokenizer(m, config.width, config.vocabulary, config.encoder_input(m)) for m in config.modalities}
        )
        self.modality_embedding = nn.ParameterDict(
            {m: nn.Parameter(torch.randn(config.width) * 0.02) for m in config.modalities}
        )


class FusionModel(nn.Module):
    """Base: tokenizers per modality plus a learned embedding per modality, passed in by the
    strategy's builder (``build_early``, ``build_late``, ``build_hybrid``) with its other parts.

    Subclasses implement ``forward(inputs, present) -> FusionOutput``. ``present`` maps each
    modality to a ``[B]`` bool mask; a missing key means absent. Inputs of absent modalities may be
    any placeholder of the right shape: they never influence the output. Each strategy declares
    what its attention means (``attention_kind``) and how it is drawn (``diagram``).
    """

    attention_kind: ClassVar[str] = NO_ATTENTION
    diagram: ClassVar[Diagram]

    def __init__(self, config: ModelConfig, inputs: ModalityInputs) -> None:
        super().__init__()
        self.config = config
        self.modalities = list(config.modalities)
        self.tokenizers = inputs.tokenizers
        self.modality_embedding = inputs.modality_embedding

    def tokens(self, inputs: dict[str, Tensor], present: dict[str, Tensor]) -> dict[str, tuple[Tensor, Tensor]]:
        """Per modality: tokens ``[B, T, D]`` (with modality embedding) and valid mask ``[B, T]``.

        The valid mask is False everywhere for rows where the modality is absent. It is bool, or a
        float weight per token in [0, 1] where a tokenizer was given soft word slots (Integrated
        Gradients' path from "no words"; 0 acts exactly as False).
        """
        out = {}
        for m in self.modalities:
            tokens, valid = self.tokenizers[m](inputs[m])
            out[m] = (tokens + self.modality_embedding[m], and_present(valid, present[m]))
        return out

    def complete_present(self, inputs: dict[str, Tensor], present: dict[str, Tensor] | None) -> dict[str, Tensor]:
        """Fill in the mask: modalities missing from ``present`` are absent; ``None`` means all present."""
        batch = next(iter(inputs.values())).shape[0]
        if present is None:
            return {m: torch.ones(batch, dtype=torch.bool) for m in self.modalities}
        return {m: present.get(m, torch.zeros(batch, dtype=torch.bool)).to(torch.bool) for m in self.modalities}

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def check_inputs(model: FusionModel, inputs: dict[str, Tensor]) -> None:
    missing = [m for m in model.modalities if m not in inputs]
    if missing:
        raise ValueError(
            f"missing input for modality {', '.join(missing)}; pass a placeholder tensor and mark it absent in `present`"
        )


def classifier(width: int, num_classes: int) -> nn.Sequential:
    return nn.Sequential(nn.LayerNorm(width), nn.Linear(width, num_classes))


class ClsEncoder(nn.Module):
    """A stack of self-attention blocks over ``[CLS] + tokens``; returns CLS, tokens and attentions."""

    def __init__(self, config: ModelConfig, depth: int) -> None:
        super().__init__()
        self.cls = nn.Parameter(torch.randn(1, 1, config.width) * 0.02)
        self.blocks = nn.ModuleList(
            TransformerBlock(config.width, config.heads, config.mlp_ratio, config.dropout) for _ in range(depth)
        )

    def forward(self, tokens: Tensor, valid: Tensor) -> tuple[Tensor, Tensor, list[Tensor]]:
        batch = tokens.shape[0]
        x = torch.cat([self.cls.expand(batch, -1, -1), tokens], dim=1)
        key_valid = torch.cat([torch.ones(batch, 1, dtype=torch.bool), valid], dim=1)
        weights = []
        for block in self.blocks:
            x, w = block(x, key_valid)
            weights.append(w)
        return x[:, 0], x, weights
