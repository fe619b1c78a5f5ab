"""Strategies: early, late and hybrid fusion (and unimodal baselines), built from a ModelConfig."""

from __future__ import annotations

from fusion.models.config import ModelConfig
from fusion.registry import Registry
from fusion.models.strategies.base import AttentionMap, FusionModel, FusionOutput
from fusion.models.strategies.combiners import COMBINERS
from fusion.models.strategies.early import EarlyFusion
from fusion.models.strategies.hybrid import HybridFusion
from fusion.models.strategies.late import LateFusion

STRATEGIES: Registry[type[FusionModel]] = Registry("strategy")
STRATEGIES.register("early")(EarlyFusion)
STRATEGIES.register("late")(LateFusion)
STRATEGIES.register("hybrid")(HybridFusion)
STRATEGIES.register("unimodal")(LateFusion)


def build_model(config: ModelConfig) -> FusionModel:
    return STRATEGIES.get(config.strategy)(config)


__all__ = ["COMBINERS", "STRATEGIES", "AttentionMap", "FusionModel", "FusionOutput", "build_model"]
