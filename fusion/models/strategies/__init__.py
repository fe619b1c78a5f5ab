"""Strategies: early, late and hybrid fusion (and unimodal baselines), each composed by its
builder from its parts (modality inputs, attention stacks, fusion operator or combiner, heads)."""

from __future__ import annotations

from collections.abc import Callable

from fusion.models.config import ModelConfig
from fusion.models.strategies.base import AttentionMap, FusionModel, FusionOutput
from fusion.models.strategies.bottleneck import build_bottleneck_hybrid
from fusion.models.strategies.combiners import COMBINERS
from fusion.models.strategies.early import build_early
from fusion.models.strategies.hybrid import build_hybrid
from fusion.models.strategies.late import build_late
from fusion.registry import Registry

STRATEGIES: Registry[Callable[[ModelConfig], FusionModel]] = Registry("strategy")
STRATEGIES.register("early")(build_early)
STRATEGIES.register("late")(build_late)


@STRATEGIES.register("hybrid")
def build_hybrid_fusion(config: ModelConfig) -> FusionModel:
    """Hybrid fusion: cross-modal attention, or bottleneck tokens with the ``bottleneck`` operator."""
    return build_bottleneck_hybrid(config) if config.operator == "bottleneck" else build_hybrid(config)


STRATEGIES.register("unimodal")(build_late)


def build_model(config: ModelConfig) -> FusionModel:
    return STRATEGIES.get(config.strategy)(config)


__all__ = ["COMBINERS", "STRATEGIES", "AttentionMap", "FusionModel", "FusionOutput", "build_model"]
