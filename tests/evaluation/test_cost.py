"""The cost figures against hand-computed truths, and the `cost` command on shipped models and heads."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from fusion.cli import main
from fusion.errors import ConfigError
from fusion.evaluation.cost import cost, flops, peak_memory_bytes


class Linear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(64, 32)

    def forward(self, inputs, present=None):
        return self.layer(inputs["x"])


class TwoBuffers(nn.Module):
    """Holds two 4 MiB intermediates at once, then one: the peak is 8 MiB."""

    def forward(self, inputs, present=None):
        doubled = inputs["x"] * 2
        shifted = doubled + 1
        del doubled
        return shifted.sum()


def test_flops_of_a_linear_layer_are_two_per_multiply_add() -> None:
    assert flops(Linear(), {"x": torch.ones(1, 64)}) == 2 * 64 * 32
    assert flops(Linear(), {"x": torch.ones(5, 64)}) == 5 * 2 * 64 * 32


def test_flops_of_an_attention_block_count_the_fused_attention_kernel() -> None:
    from fusion.models.layers import TransformerBlock

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = TransformerBlock(16, 2)

        def forward(self, inputs, present=None):
            return self.block(inputs["x"], torch.ones(1, 384, dtype=torch.bool))[0]

    tokens, width, hidden = 384, 16, 32
    mlp = 2 * tokens * (width * hidden + hidden * width)
    projections = 2 * tokens * width * width * 4  # query, key, value, output
    attention = 2 * 2 * tokens * tokens * width  # scores and their weighted sum
    assert flops(Block().eval(), {"x": torch.randn(1, tokens, width)}) == mlp + projections + attention


def test_peak_memory_counts_what_the_forward_pass_holds_at_once() -> None:
    x = torch.ones(1024, 1024)  # 4 MiB, the input: not counted
    assert peak_memory_bytes(TwoBuffers(), {"x": x}) == 2 * x.numel() * 4
    assert peak_memory_bytes(Linear(), {"x": torch.ones(1, 64)}) == 32 * 4  # the output row only


def test_cost_is_per_sample_in_eval_mode_and_restores_the_thread_count() -> None:
    model, before = Linear().eval(), torch.get_num_threads()
    result = cost(model, {"x": torch.ones(1, 64)}, runs=5, threads=1)
    assert result.parameters == 64 * 32 + 32 and result.flops == 2 * 64 * 32 and result.latency_ms > 0
    assert torch.get_num_threads() == before
    with pytest.raises(ConfigError, match="batch of one"):
        cost(model, {"x": torch.ones(2, 64)})
    with pytest.raises(ConfigError, match="training mode"):
        cost(model.train(), {"x": torch.ones(1, 64)})


def test_cost_is_measured_once_per_model_then_read_from_disk(tmp_path) -> None:
    from fusion.evaluation.cost import cached_cost

    model = Linear().eval()
    first = cached_cost(model, {"x": torch.ones(1, 64)}, runs=3, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1
    again = cached_cost(model, {"x": torch.ones(1, 64)}, runs=3, cache_dir=tmp_path)
    assert again == first  # the timing itself is not repeated: identical figures
    with torch.no_grad():
        model.layer.bias.add_(1.0)  # other weights: another model
    cached_cost(model, {"x": torch.ones(1, 64)}, runs=3, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_the_cost_command_reports_every_model_of_a_task(capsys) -> None:
    assert main(["cost", "--task", "match", "--runs", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    rows = payload["strategies"]
    assert set(rows) == {"early", "late", "hybrid"}
    for row in rows.values():
        assert {"parameters", "flops", "latency_ms", "latency_iqr_ms", "peak_memory_mb", "accuracy"} <= set(row)
        assert row["flops"] > row["parameters"] > 0 and row["peak_memory_mb"] > 0
    # hybrid runs a unimodal stack per modality plus cross-attention: more work than vector early fusion
    assert rows["hybrid"]["flops"] > rows["early"]["flops"]


def test_the_token_sweep_shows_how_each_architecture_grows() -> None:
    from fusion.evaluation.scaling import scaling

    result = scaling("tokens", values=[32, 128], runs=2)
    grow = {label: row["flops"][1] / row["flops"][0] for label, row in result["strategies"].items()}
    assert grow["early (product)"] == grow["early (tensor)"] == 1.0  # a vector operator reads one pooled vector
    assert grow["early (joint attention)"] > 4.0  # 4x the tokens: more than 4x the work (attention is quadratic)
    assert grow["hybrid (product)"] > 4.0
    batch = scaling("batch", values=[1, 8], runs=2)
    assert all(row["flops"][0] == row["flops"][1] for row in batch["strategies"].values())  # FLOPs per sample


def test_tensor_fusion_grows_multiplicatively_with_the_modalities_and_the_others_do_not() -> None:
    from fusion.evaluation.scaling import scaling

    result = scaling("modalities", runs=2)
    assert result["values"] == [2, 3, 4]
    flops = {label: row["flops"] for label, row in result["strategies"].items()}
    tensor = flops["early (tensor)"]
    assert tensor[2] / tensor[1] > 4 and tensor[1] / tensor[0] > 2  # (6 + 1)^M terms in its outer product
    for label in ("early (product)", "late (mean)"):  # one more modality: one more of the same parts
        assert flops[label][2] / flops[label][1] < 1.5
    width = scaling("width", values=[16, 32], runs=2)
    assert all(row["flops"][1] > row["flops"][0] for row in width["strategies"].values())
