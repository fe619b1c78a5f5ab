"""Hybrid fusion through bottleneck tokens (Nagrani et al. 2021, MBT): ``--operator bottleneck``.

The same hybrid model as ``strategies/hybrid.py`` (unimodal networks, a fusion step, the fused
head and a decision that mixes it with the unimodal heads), with one difference in the fusion
step: instead of each modality attending to the others' tokens, the modalities exchange
information only through a few shared bottleneck tokens
(``fusion.models.operators.bottleneck.BottleneckExchange``), and the bottleneck operator fuses
their [CLS] vectors. The bottleneck's attention is returned under its own names,
``bottleneck.{layer}.{modality}``, with the key segment ``bottleneck`` for its tokens.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.models.config import ModelConfig
from fusion.models.operators import create_operator
from fusion.models.operators.bottleneck import BOTTLENECK_TOKENS, BottleneckExchange
from fusion.models.strategies.base import (BOTTLENECK, ROLES, AttentionMap, ClsEncoder, Diagram, FusionModel,
                                           ModalityInputs, classifier)
from fusion.models.strategies.hybrid import HybridFusion


class BottleneckHybridFusion(HybridFusion):
    attention_kind = BOTTLENECK  # modalities meet only in the bottleneck tokens
    diagram = Diagram(
        name="hybrid-bottleneck",
        layout={"tokenizers": (1, "modality"), "encoders": (2, "modality"), "exchange": (3, "fusion"),
                "heads": (3, "modality"), "operator": (4, "fusion"), "fused_head": (5, "fusion"),
                "decision": (6, "center")},
        flow=(("input", "tokenizers"), ("tokenizers", "encoders"), ("encoders", "exchange"), ("encoders", "heads"),
              ("exchange", "operator"), ("operator", "fused_head"), ("fused_head", "decision"), ("heads", "decision"),
              ("decision", "output")),
        meets="exchange",
        roles={**ROLES, "exchange": f"{BOTTLENECK_TOKENS} bottleneck tokens:<br>the only path between modalities",
               "fused_head": "fused head", "decision": "decision: softmax mix<br>of fused + unimodal heads"},
    )

    def __init__(self, config: ModelConfig, inputs: ModalityInputs, encoders: nn.ModuleDict,
                 exchange: BottleneckExchange, operator: nn.Module, fused_head: nn.Module, heads: nn.ModuleDict) -> None:
        FusionModel.__init__(self, config, inputs)
        self.encoders, self.exchange = encoders, exchange
        self.operator, self.fused_head, self.heads = operator, fused_head, heads
        self.decision = nn.Parameter(torch.zeros(1 + len(self.modalities)))

    def meet(self, tokens: dict[str, tuple[Tensor, Tensor]], sequences: dict[str, Tensor],
                 present: dict[str, Tensor], attention: dict[str, AttentionMap]) -> dict[str, Tensor]:
        batch = next(iter(sequences.values())).shape[0]
        valid = {m: torch.cat([torch.ones(batch, 1, dtype=torch.bool), tokens[m][1]], dim=1) for m in self.modalities}
        updated, layers = self.exchange(sequences, valid, present)
        for layer, weights in enumerate(layers):
            for m, w in weights.items():
                length = sequences[m].shape[1]
                layout = (("cls", 0, 1), (m, 1, length), ("bottleneck", length, length + BOTTLENECK_TOKENS))
                attention[f"bottleneck.{layer}.{m}"] = AttentionMap(w, layout, layout)
        return {m: updated[m][:, 0] for m in self.modalities}


def build_bottleneck_hybrid(config: ModelConfig) -> BottleneckHybridFusion:
    """Hybrid bottleneck fusion from its parts: unimodal networks, the bottleneck exchange, the
    bottleneck operator over the exchanged [CLS] vectors, the fused head and the unimodal heads."""
    width, modalities = config.width, list(config.modalities)
    inputs = ModalityInputs(config)
    encoders = nn.ModuleDict({m: ClsEncoder(config, config.depth) for m in modalities})
    exchange = BottleneckExchange(width, config.heads, config.mlp_ratio, config.dropout, modalities)
    operator = create_operator("bottleneck", {m: width for m in modalities}, width)
    fused_head = classifier(width, config.num_classes)
    heads = nn.ModuleDict({m: classifier(width, config.num_classes) for m in modalities})
    return BottleneckHybridFusion(config, inputs, encoders, exchange, operator, fused_head, heads)
