"""Architecture diagrams are drawn from the built model: every submodule type is labelled and the
labelled parameter counts add up to the model's."""

from __future__ import annotations

import re

import pytest
from torch import nn

from fusion.models.strategies import build_model
from fusion.viz.architecture import architecture_blocks, architecture_figure, block_labels
from tests.conftest import build_tiny_config

CASES = [
    ("tri", "early", "product", None),
    ("tri", "early", "concat", None),
    ("tri", "early", "gated", None),
    ("tri", "late", None, "mean"),
    ("tri", "late", None, "learned"),
    ("tri", "hybrid", "product", None),
    ("duo", "hybrid", "sum", None),
    ("tri", "unimodal", None, "mean"),
]


def expected_types(model: nn.Module) -> set[str]:
    """Class names of the model's direct children, and of the per-modality entries of its ModuleDicts."""
    names = set()
    for name, child in model.named_children():
        if name == "modality_embedding":
            continue
        if isinstance(child, nn.ModuleDict):
            names.update(type(c).__name__ for c in child.values())
        else:
            names.add(type(child).__name__)
    return names


@pytest.mark.parametrize(("task", "strategy", "operator", "combiner"), CASES)
def test_every_submodule_type_is_labelled_and_parameters_add_up(task, strategy, operator, combiner) -> None:
    model = build_model(build_tiny_config(task, strategy, operator=operator, combiner=combiner))
    fig = architecture_figure(model)
    text = "\n".join(block_labels(fig))
    for name in expected_types(model):
        assert name in text, f"{name} missing from the {strategy} diagram"
    counts = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) params", text)]
    assert sum(counts) == model.num_parameters()
    assert fig.layout.meta["total_parameters"] == model.num_parameters()


def test_strategies_look_different_and_mark_where_modalities_meet() -> None:
    early = architecture_figure(build_model(build_tiny_config("tri", "early", operator="product")))
    late = architecture_figure(build_model(build_tiny_config("tri", "late", combiner="confidence")))
    hybrid = architecture_figure(build_model(build_tiny_config("tri", "hybrid", operator="product")))
    early_text, late_text, hybrid_text = ("\n".join(block_labels(f)) for f in (early, late, hybrid))
    assert "ProductFusion" in early_text and "ResidualMLP" in early_text and "TokenStem" in early_text
    assert "ConfidenceWeighted" in late_text and "combiner" in late_text and "cross-modal" not in late_text
    assert "cross-modal attention" in hybrid_text and "decision" in hybrid_text
    meets = {f.layout.meta["flow"]: [b["key"] for b in f.layout.meta["blocks"] if b["meets"]] for f in (early, late, hybrid)}
    assert meets == {"early-vector": ["operator"], "late": ["combiner"], "hybrid": ["cross"]}
    assert "modalities meet here" in early_text


def test_per_modality_blocks_and_edges_follow_the_flow() -> None:
    model = build_model(build_tiny_config("tri", "late", combiner="mean"))
    blocks, edges, _ = architecture_blocks(model)
    encoders = [b for b in blocks if b.attribute == "encoders"]
    assert sorted(b.modality for b in encoders) == ["audio", "image", "text"]
    assert ("encoders.audio", "heads.audio") in edges and ("encoders.audio", "heads.image") not in edges
    assert all((f"heads.{m}", "combiner") in edges for m in ("audio", "image", "text"))


def test_a_config_is_built_and_drawn() -> None:
    config = build_tiny_config("duo", "early", operator="concat")
    fig = architecture_figure(config)
    assert fig.layout.meta["flow"] == "early-joint"
    assert fig.layout.meta["total_parameters"] == build_model(config).num_parameters()


@pytest.mark.parametrize("strategy", ["early", "late", "hybrid"])
def test_every_line_of_a_block_fits_its_box(strategy: str) -> None:
    """A block's label is broken into lines of at most ``LINE`` characters (a longer line ran out of
    its box and over the next one), words and class names kept whole."""
    from fusion.models.checkpoints import checkpoint_dir, load_checkpoint, shipped_root
    from fusion.viz.architecture import LINE

    model = load_checkpoint(checkpoint_dir(shipped_root(), "digits", strategy))
    labels = [a.text for a in architecture_figure(model).layout.annotations if a.text]
    lines = [re.sub(r"<[^>]+>", "", line) for label in labels for line in label.split("<br>")]
    too_long = [line for line in lines if len(line) > LINE and " " in line.strip(" ·") and not line.startswith("(")]
    assert lines and not too_long, too_long  # a word, or a shape like "(1, 1, 30)", is not broken
    assert any(line.startswith("params") or line.endswith(" params") for line in lines)
    if strategy == "hybrid":  # the block that ran over: its class names are all still there
        assert {"3× LayerNorm ·", "MultiheadAttention ·", "Sequential · Dropout", "+ null_key", "(1, 1, 30)"} <= set(lines)
