"""Hybrid fusion: unimodal layers, then cross-modal attention, then a decision that mixes heads.

1. Each modality has its own self-attention stack (``depth`` blocks) with a [CLS] token.
2. Cross-modal attention: each modality's [CLS] and tokens attend to the tokens of the *other*
   present modalities (one shared block; a learned null key keeps the attention defined when no
   other modality is present). Its [CLS] then summarises what it found. The keys are those tokens
   after their own self-attention stack (``cross_attention_keys="encoded"``, the default) or their
   embedded inputs before it (``"input"``: each key is then one input token, not a mix of them).
3. The fusion operator combines the per-modality cross-attended [CLS] vectors; a fused head reads it.
4. Decision: learned softmax weights mix the fused logits with the unimodal heads' logits (the
   unimodal heads read the step-1 [CLS]; absent modalities get weight 0).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.config import ModelConfig
from fusion.models.layers import TransformerBlock, present_weights
from fusion.models.operators import create_operator
from fusion.models.strategies.base import (CROSS, ROLES, AttentionMap, ClsEncoder, Diagram, FusionModel, FusionOutput,
                                           ModalityInputs, check_inputs, classifier)


class HybridFusion(FusionModel):
    attention_kind = CROSS  # each modality's [CLS] attends to the other modalities' tokens
    diagram = Diagram(
        name="hybrid",
        layout={"tokenizers": (1, "modality"), "encoders": (2, "modality"), "cross": (3, "fusion"), "heads": (3, "modality"),
                "operator": (4, "fusion"), "fused_head": (5, "fusion"), "decision": (6, "center")},
        flow=(("input", "tokenizers"), ("tokenizers", "encoders"), ("encoders", "cross"), ("encoders", "heads"),
              ("cross", "operator"), ("operator", "fused_head"), ("fused_head", "decision"), ("heads", "decision"),
              ("decision", "output")),
        meets="cross",
        roles={**ROLES, "cross": "cross-modal attention:<br>each modality attends to the others", "fused_head": "fused head",
               "decision": "decision: softmax mix<br>of fused + unimodal heads"},
        merged={"modality_embedding": "tokenizers", "null_key": "cross"},
    )

    def __init__(self, config: ModelConfig, inputs: ModalityInputs, encoders: nn.ModuleDict, cross: TransformerBlock,
                 null_key: nn.Parameter, operator: nn.Module, fused_head: nn.Module, heads: nn.ModuleDict) -> None:
        super().__init__(config, inputs)
        self.encoders, self.cross, self.null_key = encoders, cross, null_key
        self.operator, self.fused_head, self.heads = operator, fused_head, heads
        self.decision = nn.Parameter(torch.zeros(1 + len(self.modalities)))

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor] | None = None) -> FusionOutput:
        check_inputs(self, inputs)
        present = self.complete_present(inputs, present)
        tokens = self.tokens(inputs, present)
        batch = next(iter(tokens.values()))[0].shape[0]
        attention, unimodal, sequences = {}, {}, {}
        for m in self.modalities:
            cls, sequence, weights = self.encoders[m](*tokens[m])
            layout = (("cls", 0, 1), (m, 1, sequence.shape[1]))
            attention.update({f"{m}.{i}": AttentionMap(w, layout, layout) for i, w in enumerate(weights)})
            unimodal[m] = cls
            sequences[m] = sequence
        crossed = self.meet(tokens, sequences, present, attention)

        fused = self.operator(crossed, present)
        modality_logits = {m: self.heads[m](unimodal[m]) for m in self.modalities}
        candidates = torch.stack([self.fused_head(fused.value), *modality_logits.values()], dim=1)
        available = torch.cat([torch.ones(batch, 1), present_weights(present, self.modalities)], dim=1)
        scores = self.decision.expand(batch, -1).masked_fill(available == 0, float("-inf"))
        mix = torch.softmax(scores, dim=-1)
        logits = (mix.unsqueeze(-1) * candidates).sum(1)
        mixing = {"decision": mix}
        if fused.weights is not None:
            mixing["operator"] = fused.weights
        embeddings = {**unimodal, "fused": fused.value}
        return FusionOutput(logits, modality_logits, attention, embeddings, mixing)

    def meet(self, tokens: dict[str, tuple[Tensor, Tensor]], sequences: dict[str, Tensor],
                 present: dict[str, Tensor], attention: dict[str, AttentionMap]) -> dict[str, Tensor]:
        """The fusion step: per modality, its [CLS] after attending to the other modalities'
        tokens (its cross-attention map is added to ``attention`` as ``cross.{m}``)."""
        batch = next(iter(sequences.values())).shape[0]
        crossed = {}
        for m in self.modalities:
            # Keys: a null token, then the other modalities' tokens (not their [CLS]), so each key
            # segment maps back onto that modality's input; absent ones (and audio padding) are
            # masked out.
            others = [o for o in self.modalities if o != m]
            keys = torch.cat([self.null_key.expand(batch, -1, -1), *[self.keys(o, tokens, sequences) for o in others]],
                             dim=1)
            key_valid = torch.cat([torch.ones(batch, 1, dtype=torch.bool), *[tokens[o][1] for o in others]], dim=1)
            key_layout, start = [("null", 0, 1)], 1
            for o in others:
                length = tokens[o][0].shape[1]
                key_layout.append((o, start, start + length))
                start += length
            out, weights = self.cross(sequences[m], key_valid, context=keys)
            query_layout = (("cls", 0, 1), (m, 1, sequences[m].shape[1]))
            attention[f"cross.{m}"] = AttentionMap(weights, query_layout, tuple(key_layout))
            crossed[m] = out[:, 0]
        return crossed

    def keys(self, modality: str, tokens: dict[str, tuple[Tensor, Tensor]], sequences: dict[str, Tensor]) -> Tensor:
        """``modality``'s key tokens for the other modalities' cross-attention (see the module docstring)."""
        if self.config.cross_attention_keys == "input":
            return tokens[modality][0]
        return sequences[modality][:, 1:]


def build_hybrid(config: ModelConfig) -> HybridFusion:
    """Hybrid fusion from its parts (built in this order, which fixes their seeded initialisation):
    unimodal self-attention networks, one cross-modal attention block and its null key, the fusion
    operator, the fused head and the unimodal heads. (With the ``bottleneck`` operator the
    registry builds ``strategies/bottleneck.py``'s model instead.)"""
    width, modalities = config.width, list(config.modalities)
    inputs = ModalityInputs(config)
    encoders = nn.ModuleDict({m: ClsEncoder(config, config.depth) for m in modalities})
    cross = TransformerBlock(width, config.heads, config.mlp_ratio, config.dropout)
    null_key = nn.Parameter(torch.randn(1, 1, width) * 0.02)  # keeps attention defined when no other modality is present
    operator = create_operator(config.operator or "sum", {m: width for m in modalities}, width)
    fused_head = classifier(width, config.num_classes)
    heads = nn.ModuleDict({m: classifier(width, config.num_classes) for m in modalities})
    return HybridFusion(config, inputs, encoders, cross, null_key, operator, fused_head, heads)
