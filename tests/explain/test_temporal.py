"""Temporal Shapley values over a clip's frame segments: hand-computed values on toy models
(additive frames, an interaction between two segments), efficiency and the dummy property on the
shipped motion models, and the values ``explain --json`` prints."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from fusion.explain.temporal import TemporalShapley, frame_segments
from fusion.models.checkpoints import load_models
from fusion.models.inputs import sample_values_inputs
from fusion.tasks import get_task


class FrameToy(nn.Module):
    """``logits = [0, fn(frame means [B, T])]`` for video + text (text ignored)."""

    modalities = ["text", "video"]
    training = False

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn
        self.eval()

    def forward(self, inputs, present):
        means = inputs["video"].to(torch.float64).mean(dim=(2, 3))
        value = self.fn(means)
        return SimpleNamespace(logits=torch.stack([torch.zeros_like(value), value], -1), mixing={})


def toy_inputs(frame_means) -> dict[str, torch.Tensor]:
    clip = torch.as_tensor(frame_means, dtype=torch.float32).view(1, -1, 1, 1).expand(1, -1, 16, 16).contiguous()
    return {"video": clip, "text": torch.zeros(1, 4, dtype=torch.long)}


def test_segments_cover_the_clip_in_order() -> None:
    assert frame_segments(8, 4) == ((0, 2), (2, 4), (4, 6), (6, 8))
    assert frame_segments(8, 3) == ((0, 3), (3, 5), (5, 8))
    with pytest.raises(ValueError):
        frame_segments(8, 9)


def test_additive_frames_get_their_own_contribution() -> None:
    weights = torch.tensor([1.0, -2.0, 0.5, 3.0, 0.0, 1.5, -1.0, 2.0], dtype=torch.float64)
    means = [0.2, 0.4, 0.6, 0.1, 0.9, 0.3, 0.5, 0.7]
    result = TemporalShapley(FrameToy(lambda x: x @ weights)).attribute(toy_inputs(means), target=1)
    expected = [sum(float(weights[t]) * means[t] for t in range(a, b)) for a, b in result.segments]
    assert result.values_logit == pytest.approx(expected, abs=1e-6)  # the black baseline's logit is 0
    assert result.empty_logit == pytest.approx(0.0) and sum(result.values_logit) == pytest.approx(result.full_logit)


def test_an_interaction_between_two_segments_is_split_between_them() -> None:
    # logit = (mean of frames 1-2) * (mean of frames 7-8): only together do they count
    model = FrameToy(lambda x: x[:, 0:2].mean(1) * x[:, 6:8].mean(1))
    result = TemporalShapley(model).attribute(toy_inputs([0.5, 0.5, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8]), target=1)
    assert result.values_logit == pytest.approx((0.2, 0.0, 0.0, 0.2), abs=1e-6)


@pytest.fixture(scope="module")
def shipped() -> dict:
    return load_models("motion", ["early", "late", "hybrid"])


@pytest.mark.parametrize("index", [0, 7])
def test_efficiency_holds_on_the_shipped_models(shipped, index) -> None:
    sample = get_task("motion").sample(index)
    for name, model in shipped.items():
        inputs, _ = sample_values_inputs(model.config, [sample.values])
        result = TemporalShapley(model).attribute(inputs)
        assert sum(result.values_probability) == pytest.approx(result.full_probability - result.empty_probability, abs=1e-9)
        assert sum(result.values_logit) == pytest.approx(result.full_logit - result.empty_logit, abs=1e-9)
        black = {**inputs, "video": torch.zeros_like(inputs["video"])}
        with torch.no_grad():
            present = {m: torch.tensor([True]) for m in model.modalities}
            empty = torch.softmax(model(black, present).logits.double(), -1)[0, result.target]
        assert result.empty_probability == pytest.approx(float(empty), abs=1e-6), name  # absent segments = black frames


def test_segments_that_already_are_the_baseline_get_nothing(shipped) -> None:
    sample = get_task("motion").sample(3)
    clip = np.array(sample.get("video"))
    clip[2:] = 0.0  # only frames 1-2 hold anything
    model = shipped["hybrid"]
    inputs, _ = sample_values_inputs(model.config, [{"video": clip, "text": sample.get("text")}])
    result = TemporalShapley(model).attribute(inputs)
    assert result.values_probability[1:] == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)  # dummy players


def test_a_model_without_video_or_a_sample_without_it_is_refused(shipped) -> None:
    with pytest.raises(ValueError, match="not video"):
        TemporalShapley(load_models("match", ["early"])["early"])
    sample = get_task("motion").sample(0)
    inputs, _ = sample_values_inputs(shipped["early"].config, [sample.values])
    with pytest.raises(ValueError, match="absent"):
        TemporalShapley(shipped["early"]).attribute(inputs, present=["text"])


def test_a_heads_segments_are_its_video_tokens_with_the_training_mean_as_baseline(tiny_config, make_inputs) -> None:
    from fusion.models.strategies import build_model

    config = tiny_config("vid", "hybrid", operator="product", kind="head")
    model = build_model(config).eval()
    inputs = {m: v[:1] for m, v in make_inputs(("text", "video"), batch=2, config=config).items()}
    result = TemporalShapley(model).attribute(inputs)
    tokens = int(inputs["video"].shape[1])
    assert result.unit == "tokens" and result.segments == frame_segments(tokens, min(4, tokens))
    assert sum(result.values_logit) == pytest.approx(result.full_logit - result.empty_logit, abs=1e-9)
    mean = {**inputs, "video": model.tokenizers["video"].baseline(inputs["video"])}
    with torch.no_grad():
        present = {m: torch.tensor([True]) for m in model.modalities}
        empty = model(mean, present).logits.double()[0, result.target]
    assert result.empty_logit == pytest.approx(float(empty), abs=1e-6)
