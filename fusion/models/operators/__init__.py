"""Fusion operators, one per file, registered by name."""

from __future__ import annotations

from fusion.models.operators.base import Fused, FusionOperator
from fusion.models.operators.registry import OPERATORS, create_operator, list_operators

# Importing the modules registers the operators.
from fusion.models.operators import bottleneck, concat, film, gated, lowrank, product, sum, tensor  # noqa: E402,F401  isort: skip

__all__ = ["OPERATORS", "Fused", "FusionOperator", "create_operator", "list_operators"]
