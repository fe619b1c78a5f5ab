"""Early fusion: low-level features of every modality are combined before one shared network.

With the ``concat`` operator, all modalities' tokens are concatenated behind one [CLS] token and
read by one joint transformer. With a vector operator (sum, product, tensor, lowrank, gated, ...),
each modality's tokens go through a shallow linear stem to one vector, the operator fuses the
vectors, and a shared MLP reads the result.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.config import ModelConfig
from fusion.models.layers import ResidualMLP, masked_mean
from fusion.models.operators import create_operator
from fusion.models.strategies.base import (JOINT, NO_ATTENTION, ROLES, AttentionMap, ClsEncoder, Diagram, FusionModel,
                                           FusionOutput, ModalityInputs, check_inputs, classifier)

STEM_FEATURES = 4  # features kept per token by the linear stem of the vector path


class TokenStem(nn.Module):
    """Tokens ``[B, T, D]`` -> one low-level vector ``[B, D]``, keeping token positions apart."""

    def __init__(self, num_tokens: int, width: int) -> None:
        super().__init__()
        self.squeeze = nn.Linear(width, STEM_FEATURES)
        self.flat = nn.Linear(num_tokens * STEM_FEATURES, width)

    def forward(self, tokens: Tensor, valid: Tensor) -> Tensor:
        squeezed = self.squeeze(tokens) * valid.unsqueeze(-1).to(tokens.dtype)
        return torch.nn.functional.gelu(self.flat(squeezed.flatten(1)))


class PooledStem(nn.Module):
    """A single (pooled) token is already one vector: pass it through (zero when absent)."""

    def forward(self, tokens: Tensor, valid: Tensor) -> Tensor:
        return tokens[:, 0] * valid[:, :1].to(tokens.dtype)


def make_stem(num_tokens: int, width: int) -> nn.Module:
    return TokenStem(num_tokens, width) if num_tokens > 1 else PooledStem()


JOINT_DIAGRAM = Diagram(
    name="early-joint",
    layout={"tokenizers": (1, "modality"), "encoder": (2, "center"), "head": (3, "center")},
    flow=(("input", "tokenizers"), ("tokenizers", "encoder"), ("encoder", "head"), ("head", "output")),
    meets="encoder",
    roles={**ROLES, "encoder": "joint self-attention over all tokens"},
)
VECTOR_DIAGRAM = Diagram(
    name="early-vector",
    layout={"tokenizers": (1, "modality"), "stems": (2, "modality"), "operator": (3, "center"), "shared": (4, "center"),
            "head": (5, "center")},
    flow=(("input", "tokenizers"), ("tokenizers", "stems"), ("stems", "operator"), ("operator", "shared"),
          ("shared", "head"), ("head", "output")),
    meets="operator",
    roles={**ROLES, "stems": "linear stem → one vector", "shared": "shared network"},
)


class JointEarlyFusion(FusionModel):
    """Early fusion as one joint transformer over every modality's tokens behind one [CLS] (the
    ``concat`` operator): its attention crosses modalities from the first layer."""

    attention_kind = JOINT
    diagram = JOINT_DIAGRAM

    def __init__(self, config: ModelConfig, inputs: ModalityInputs, encoder: ClsEncoder, head: nn.Module) -> None:
        super().__init__(config, inputs)
        self.encoder, self.head = encoder, head

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor] | None = None) -> FusionOutput:
        check_inputs(self, inputs)
        tokens = self.tokens(inputs, self.complete_present(inputs, present))
        segments, start = [("cls", 0, 1)], 1
        for m in self.modalities:
            length = tokens[m][0].shape[1]
            segments.append((m, start, start + length))
            start += length
        sequence = torch.cat([tokens[m][0] for m in self.modalities], dim=1)
        valid = torch.cat([tokens[m][1] for m in self.modalities], dim=1)
        cls, states, weights = self.encoder(sequence, valid)
        layout = tuple(segments)
        attention = {f"joint.{i}": AttentionMap(w, layout, layout) for i, w in enumerate(weights)}
        # each modality's own tokens after the joint stack, pooled (what the match digit probes read)
        embeddings = {m: masked_mean(states[:, start:stop], tokens[m][1]) for m, start, stop in segments[1:]}
        return FusionOutput(self.head(cls), None, attention, {**embeddings, "fused": cls})


class VectorEarlyFusion(FusionModel):
    """Early fusion with a vector operator (sum, product, tensor, lowrank, gated, ...): each
    modality's tokens -> one low-level vector, the operator fuses them, a shared MLP decides."""

    attention_kind = NO_ATTENTION
    diagram = VECTOR_DIAGRAM

    def __init__(self, config: ModelConfig, inputs: ModalityInputs, stems: nn.ModuleDict, operator: nn.Module,
                 shared: nn.Module, head: nn.Module) -> None:
        super().__init__(config, inputs)
        self.stems, self.operator, self.shared, self.head = stems, operator, shared, head

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor] | None = None) -> FusionOutput:
        check_inputs(self, inputs)
        present = self.complete_present(inputs, present)
        tokens = self.tokens(inputs, present)
        vectors = {m: self.stems[m](*tokens[m]) for m in self.modalities}
        fused = self.operator(vectors, present)
        hidden = self.shared(fused.value)
        mixing = {"operator": fused.weights} if fused.weights is not None else {}
        return FusionOutput(self.head(hidden), None, {}, {**vectors, "fused": hidden}, mixing)


def build_early(config: ModelConfig) -> FusionModel:
    """Early fusion from its parts: the joint transformer for ``concat``, else the vector path."""
    width, modalities = config.width, list(config.modalities)
    inputs = ModalityInputs(config)
    if config.operator == "concat":
        return JointEarlyFusion(config, inputs, ClsEncoder(config, config.depth), classifier(width, config.num_classes))
    stems = nn.ModuleDict({m: make_stem(inputs.tokenizers[m].num_tokens, width) for m in modalities})
    operator = create_operator(config.operator, {m: width for m in modalities}, width)
    shared = ResidualMLP(width, int(width * config.mlp_ratio), config.depth)
    return VectorEarlyFusion(config, inputs, stems, operator, shared, classifier(width, config.num_classes))
