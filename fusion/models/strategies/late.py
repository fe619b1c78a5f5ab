"""Late fusion: one network per modality, each to its own class logits, then a combiner.

A unimodal baseline is the same network with a single modality (strategy ``unimodal``).
"""

from __future__ import annotations

from torch import Tensor, nn

from fusion.models.config import ModelConfig
from fusion.models.strategies.base import (OWN, ROLES, AttentionMap, ClsEncoder, Diagram, FusionModel, FusionOutput,
                                           ModalityInputs, check_inputs, classifier)
from fusion.models.strategies.combiners import COMBINERS


class LateFusion(FusionModel):
    attention_kind = OWN  # each modality's network attends over its own tokens only
    diagram = Diagram(
        name="late",
        layout={"tokenizers": (1, "modality"), "encoders": (2, "modality"), "heads": (3, "modality"), "combiner": (4, "center")},
        flow=(("input", "tokenizers"), ("tokenizers", "encoders"), ("encoders", "heads"), ("heads", "combiner"),
              ("combiner", "output")),
        meets="combiner",
        roles={**ROLES, "combiner": "late-fusion combiner"},
    )

    def __init__(self, config: ModelConfig, inputs: ModalityInputs, encoders: nn.ModuleDict, heads: nn.ModuleDict,
                 combiner: nn.Module) -> None:
        super().__init__(config, inputs)
        self.encoders, self.heads, self.combiner = encoders, heads, combiner

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor] | None = None) -> FusionOutput:
        check_inputs(self, inputs)
        present = self.complete_present(inputs, present)
        tokens = self.tokens(inputs, present)
        modality_logits, embeddings, attention = {}, {}, {}
        for m in self.modalities:
            cls, _, weights = self.encoders[m](*tokens[m])
            layout = (("cls", 0, 1), (m, 1, 1 + tokens[m][0].shape[1]))
            attention.update({f"{m}.{i}": AttentionMap(w, layout, layout) for i, w in enumerate(weights)})
            embeddings[m] = cls
            modality_logits[m] = self.heads[m](cls)
        logits, weights = self.combiner(modality_logits, present)
        return FusionOutput(logits, modality_logits, attention, embeddings, {"combiner": weights})


def build_late(config: ModelConfig) -> LateFusion:
    """Late fusion (or a unimodal baseline) from its parts: per modality a self-attention network
    and a classifier, then the combiner."""
    inputs = ModalityInputs(config)
    encoders = nn.ModuleDict({m: ClsEncoder(config, config.depth) for m in config.modalities})
    heads = nn.ModuleDict({m: classifier(config.width, config.num_classes) for m in config.modalities})
    combiner = COMBINERS.get(config.combiner or "mean")(list(config.modalities), config.num_classes)
    return LateFusion(config, inputs, encoders, heads, combiner)
