"""The named model configs: every shipped model and its tiny twin, by name (timm style)."""

from __future__ import annotations

import pytest

from fusion.errors import ConfigError
from fusion.models.checkpoints import read_config, shipped_root
from fusion.models.configs import TINY, create_model, list_models, model_config
from fusion.models.presets import SHIPPED


def test_every_shipped_model_is_registered_with_the_config_it_was_trained_with() -> None:
    assert len(list_models("*-tiny")) == len(SHIPPED) == len(list_models()) // 2
    for task, name in SHIPPED:
        assert model_config(f"{task}-{name}") == read_config(shipped_root() / task / name)


def test_a_tiny_twin_is_small_and_otherwise_the_same() -> None:
    full, tiny = model_config("digits-hybrid"), model_config("digits-hybrid-tiny")
    assert (tiny.width, tiny.depth, tiny.heads) == (TINY["width"], TINY["depth"], TINY["heads"])
    assert tiny.replace(width=full.width, depth=full.depth, heads=full.heads) == full
    assert create_model("digits-hybrid-tiny").num_parameters() < create_model("digits-hybrid").num_parameters() / 4


def test_overrides_are_checked_against_the_strategy() -> None:
    assert model_config("match-early", operator="gated").operator == "gated"
    assert model_config("digits-late", combiner="logit_sum", width=12).width == 12
    with pytest.raises(ConfigError, match="--operator applies to early and hybrid"):
        model_config("digits-late", operator="gated")


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="digits-early"):
        create_model("digits-middle")
    assert list_models("match-*") == sorted(list_models("match-*"))
