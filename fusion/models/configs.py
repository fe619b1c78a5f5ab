"""Named model configs (timm style): ``model_config(name, **overrides)``, ``create_model``,
``list_models``. Every shipped model is registered as ``<task>-<name>`` (e.g. ``digits-early``,
``match-hybrid``), each with a tiny twin ``<task>-<name>-tiny`` (width 8, depth 1) for tests and a
quick try in the app. An unknown name errors with the list of known ones."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from fusion.models.config import ModelConfig
from fusion.models.presets import SHIPPED, default_config
from fusion.models.strategies import FusionModel, build_model
from fusion.registry import Registry

TINY = {"width": 8, "depth": 1, "heads": 2}
ConfigBuilder = Callable[..., ModelConfig]  # (operator=None, combiner=None) -> ModelConfig

MODEL_CONFIGS: Registry[ConfigBuilder] = Registry("model")


def register_model(name: str) -> Callable[[ConfigBuilder], ConfigBuilder]:
    return MODEL_CONFIGS.register(name)


def model_config(name: str, operator: str | None = None, combiner: str | None = None, **architecture: Any) -> ModelConfig:
    """The config registered as ``name``, with another operator / combiner (checked against the
    strategy) and architecture overrides (width, depth, heads, ...)."""
    config = MODEL_CONFIGS.get(name)(operator=operator, combiner=combiner)
    return config.replace(**architecture) if architecture else config


def create_model(name: str, **overrides: Any) -> FusionModel:
    """A new, untrained model of the config ``name`` (see ``model_config`` for the overrides)."""
    return build_model(model_config(name, **overrides))


def list_models(pattern: str = "*") -> list[str]:
    """Registered names matching a shell-style ``pattern``, sorted."""
    return [name for name in MODEL_CONFIGS.names() if fnmatch.fnmatchcase(name, pattern)]


def _shipped(task: str, name: str, **architecture: Any) -> ConfigBuilder:
    def build(operator: str | None = None, combiner: str | None = None) -> ModelConfig:
        from fusion.tasks import get_task

        config = default_config(task, name, get_task(task).vocabulary(), operator, combiner)
        return config.replace(**architecture) if architecture else config

    return build


for _task, _name in SHIPPED:
    register_model(f"{_task}-{_name}")(_shipped(_task, _name))
    register_model(f"{_task}-{_name}-tiny")(_shipped(_task, _name, **TINY))
