"""Operator registry: ``create_operator(name, modality_dims, out_dim)``."""

from __future__ import annotations

from fusion.models.operators.base import FusionOperator
from fusion.registry import Registry

OPERATORS: Registry[type[FusionOperator]] = Registry("fusion operator")


def create_operator(name: str, modality_dims: dict[str, int], out_dim: int) -> FusionOperator:
    return OPERATORS.get(name)(modality_dims, out_dim)


def list_operators() -> list[str]:
    return OPERATORS.names()
