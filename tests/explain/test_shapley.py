"""Modality Shapley values: exact properties (efficiency, symmetry, dummy, additivity) with
hand-computed expectations, on toy models and on tiny real FusionModels."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import torch
from torch import Tensor, nn

from fusion.explain import ModalityShapley, ShapleyResult, shapley_values
from fusion.models.strategies import build_model

MODALITIES = ("audio", "image", "text")


class Toy(nn.Module):
    """Follows the FusionModel call signature: ``model(inputs, present) -> .logits [B, C]``.

    ``fn(x, p)`` gets per-modality scalars ``x[m]`` (the mean of each row's input) and float
    present masks ``p[m]``, both ``[B]`` float64, and returns logits ``[B, C]``. Records batch sizes.
    """

    def __init__(self, fn: Callable[[dict[str, Tensor], dict[str, Tensor]], Tensor], modalities=MODALITIES) -> None:
        super().__init__()
        self.modalities = list(modalities)
        self.fn = fn
        self.calls: list[int] = []

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor]) -> SimpleNamespace:
        self.calls.append(next(iter(inputs.values())).shape[0])
        x = {m: inputs[m].reshape(inputs[m].shape[0], -1).to(torch.float64).mean(1) for m in self.modalities}
        p = {m: present[m].to(torch.float64) for m in self.modalities}
        return SimpleNamespace(logits=self.fn(x, p), mixing={})


def scalars(**values: float) -> dict[str, Tensor]:
    """One sample whose modality ``m`` input is a ``[1, 2]`` tensor with mean ``values[m]``."""
    return {m: torch.full((1, 2), values.get(m, 0.0), dtype=torch.float64) for m in MODALITIES}


def two_classes(logit0: Tensor) -> Tensor:
    return torch.stack([logit0, torch.zeros_like(logit0)], dim=1)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def check_efficiency(result: ShapleyResult, tolerance: float = 1e-5) -> None:
    assert sum(result.values_probability.values()) == pytest.approx(
        result.full_probability - result.empty_probability, abs=tolerance
    )
    assert sum(result.values_logit.values()) == pytest.approx(result.full_logit - result.empty_logit, abs=tolerance)


# --- toy games with hand-computed values --------------------------------------------------------


def test_weighted_formula_matches_hand_computed_values_from_one_batched_forward() -> None:
    # logit0 = 3 [audio] + 2 [audio][image]; text ignored. The interaction 2 splits evenly:
    # phi_audio = 3 + 1 = 4, phi_image = 1, phi_text = 0 (a leave-one-out rule would give 5, 2, 0).
    toy = Toy(lambda x, p: two_classes(x["audio"] * p["audio"] + 2 * p["audio"] * p["image"])).eval()
    result = ModalityShapley(toy).attribute(scalars(audio=3.0))
    assert toy.calls == [8]  # all 2^3 coalitions in one forward pass
    assert result.target == 0  # the full set predicts class 0 (logit 5 vs 0)
    assert result.players == MODALITIES
    assert result.values_logit == pytest.approx({"audio": 4.0, "image": 1.0, "text": 0.0}, abs=1e-12)
    assert (result.full_logit, result.empty_logit) == pytest.approx((5.0, 0.0))
    assert result.full_probability == pytest.approx(sigmoid(5.0))
    assert result.empty_probability == pytest.approx(0.5)
    # probability scale, by hand: v(S) = sigmoid(logit0(S)); audio alone -> 3, image alone -> 0
    v = {(): 0.5, ("a",): sigmoid(3), ("i",): 0.5, ("a", "i"): sigmoid(5)}
    phi_audio = 0.5 * (v[("a",)] - v[()]) + 0.5 * (v[("a", "i")] - v[("i",)])
    assert result.values_probability["audio"] == pytest.approx(phi_audio, abs=1e-12)
    assert result.leave_one_out == pytest.approx(
        {"audio": sigmoid(5) - 0.5, "image": sigmoid(5) - sigmoid(3), "text": 0.0}, abs=1e-12
    )
    assert len(result.subset_probabilities) == 8
    assert result.subset_probabilities[frozenset({"audio"})] == pytest.approx((sigmoid(3), 1 - sigmoid(3)))
    assert result.subset_logits[frozenset()] == pytest.approx((0.0, 0.0))
    check_efficiency(result, tolerance=1e-12)


def test_explicit_target_uses_that_class() -> None:
    toy = Toy(lambda x, p: two_classes(x["audio"] * p["audio"] + 2 * p["audio"] * p["image"])).eval()
    result = ModalityShapley(toy).attribute(scalars(audio=3.0), target=1)
    assert result.target == 1
    assert result.values_logit == pytest.approx({"audio": 0.0, "image": 0.0, "text": 0.0})
    assert result.values_probability["audio"] < 0  # audio pushes away from class 1
    check_efficiency(result, tolerance=1e-12)


def test_symmetry_identical_roles_get_equal_values() -> None:
    def fn(x: dict[str, Tensor], p: dict[str, Tensor]) -> Tensor:
        a, i = x["audio"] * p["audio"], x["image"] * p["image"]
        return two_classes(a + i + 3 * a * i + 0.5 * p["text"])

    result = ModalityShapley(Toy(fn).eval()).attribute(scalars(audio=0.7, image=0.7))
    assert result.values_logit["audio"] == pytest.approx(result.values_logit["image"], abs=1e-12)
    assert result.values_probability["audio"] == pytest.approx(result.values_probability["image"], abs=1e-12)
    assert result.values_logit["audio"] == pytest.approx(0.7 + 1.5 * 0.49, abs=1e-12)  # own term + half of 3*a*i
    assert result.values_logit["text"] == pytest.approx(0.5, abs=1e-12)
    assert result.values_probability["audio"] != pytest.approx(result.values_probability["text"])
    check_efficiency(result, tolerance=1e-12)


def test_dummy_modality_gets_exactly_zero() -> None:
    def fn(x: dict[str, Tensor], p: dict[str, Tensor]) -> Tensor:  # ignores text entirely
        return two_classes(torch.tanh(x["audio"] * p["audio"] - 2 * x["image"] * p["image"] * p["audio"]))

    result = ModalityShapley(Toy(fn).eval()).attribute(scalars(audio=1.3, image=0.4, text=9.0))
    assert result.values_probability["text"] == 0.0
    assert result.values_logit["text"] == 0.0
    assert result.leave_one_out["text"] == 0.0
    assert result.values_logit["audio"] != 0.0 and result.values_logit["image"] != 0.0


def test_additive_toy_values_equal_the_per_modality_terms() -> None:
    weights = {m: torch.randn(4, dtype=torch.float64) for m in MODALITIES}
    bias = torch.randn(4, dtype=torch.float64)

    def fn(x: dict[str, Tensor], p: dict[str, Tensor]) -> Tensor:
        return bias + sum((p[m] * x[m]).unsqueeze(1) * weights[m] for m in MODALITIES)

    values = {"audio": 0.8, "image": -1.1, "text": 2.5}
    for target in range(4):
        result = ModalityShapley(Toy(fn).eval()).attribute(scalars(**values), target=target)
        expected = {m: float(weights[m][target]) * values[m] for m in MODALITIES}
        assert result.values_logit == pytest.approx(expected, abs=1e-12)
        assert result.empty_logit == pytest.approx(float(bias[target]))
        check_efficiency(result, tolerance=1e-12)


def test_restricting_present_gives_a_game_over_those_players_only() -> None:
    # text would add 10 [audio][text]; as a non-player it is absent in every coalition
    toy = Toy(lambda x, p: two_classes(p["audio"] + 2 * p["image"] + 10 * p["audio"] * p["text"])).eval()
    explainer = ModalityShapley(toy)
    result = explainer.attribute(scalars(), present=["image", "audio"])
    assert toy.calls == [4]
    assert result.players == ("audio", "image")
    assert set(result.values_logit) == set(result.values_probability) == set(result.leave_one_out) == {"audio", "image"}
    assert result.values_logit == pytest.approx({"audio": 1.0, "image": 2.0}, abs=1e-12)
    assert set(result.subset_probabilities) == {frozenset(), frozenset({"audio"}), frozenset({"image"}), frozenset({"audio", "image"})}
    assert result.full_logit == pytest.approx(3.0)
    mask = {"audio": torch.tensor([True]), "image": torch.tensor([True]), "text": torch.tensor([False])}
    assert explainer.attribute(scalars(), present=mask) == result


def test_shapley_values_helper_on_a_three_player_game() -> None:
    # v(S) = |S|^2: symmetric, each gets 9 / 3 = 3
    values = torch.tensor([float(bin(s).count("1") ** 2) for s in range(8)], dtype=torch.float64)
    assert shapley_values(values, 3).tolist() == pytest.approx([3.0, 3.0, 3.0])


def test_rejects_bad_calls() -> None:
    toy = Toy(lambda x, p: two_classes(p["audio"]))
    with pytest.raises(ValueError, match="training mode"):
        ModalityShapley(toy).attribute(scalars())
    toy.eval()
    with pytest.raises(ValueError, match="batch of 1"):
        ModalityShapley(toy).attribute({m: torch.zeros(2, 3) for m in MODALITIES})
    with pytest.raises(ValueError, match="unknown modality video"):
        ModalityShapley(toy).attribute(scalars(), present=["video"])
    with pytest.raises(ValueError, match="target 2"):
        ModalityShapley(toy).attribute(scalars(), target=2)
    with pytest.raises(ValueError, match="missing input for modality text"):
        ModalityShapley(toy).attribute({m: torch.zeros(1, 2) for m in ("audio", "image")})


# --- tiny real FusionModels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy, operator, combiner",
    [("early", "concat", None), ("early", "product", None), ("late", None, "mean"), ("late", None, "confidence"),
     ("hybrid", "concat", None), ("hybrid", "gated", None)],
)
def test_efficiency_and_consistency_on_tiny_models(tiny_config, make_inputs, strategy, operator, combiner) -> None:
    model = build_model(tiny_config("tri", strategy, operator=operator, combiner=combiner)).eval()
    inputs = make_inputs(MODALITIES, batch=1, seed=3)
    result = ModalityShapley(model).attribute(inputs)
    check_efficiency(result)
    with torch.no_grad():
        full = model(inputs, None).logits.to(torch.float64)
    assert result.target == int(full.argmax())
    assert result.full_logit == pytest.approx(float(full[0, result.target]), abs=1e-5)
    assert result.full_probability == pytest.approx(float(full.softmax(-1)[0, result.target]), abs=1e-6)
    if strategy == "late":
        assert set(result.combiner_weights) == set(MODALITIES)
        assert sum(result.combiner_weights.values()) == pytest.approx(1.0, abs=1e-6)
    else:
        assert result.combiner_weights is None
    # two players: text absent in every coalition
    pair = ModalityShapley(model).attribute(inputs, target=result.target, present=["audio", "image"])
    check_efficiency(pair)
    with torch.no_grad():
        without_text = model(inputs, {m: torch.tensor([m != "text"]) for m in MODALITIES}).logits.softmax(-1)
    assert pair.full_probability == pytest.approx(float(without_text[0, pair.target]), abs=1e-6)
    assert pair.empty_probability == pytest.approx(result.empty_probability, abs=1e-6)


def test_late_logit_sum_is_exactly_additive(tiny_config, make_inputs) -> None:
    model = build_model(tiny_config("tri", "late", combiner="logit_sum")).eval()
    with torch.no_grad():
        model.combiner.bias.copy_(torch.linspace(-1, 1, 10))  # a non-trivial empty value
    for seed in range(3):
        inputs = make_inputs(MODALITIES, batch=1, seed=seed)
        with torch.no_grad():
            output = model(inputs, None)
        for target in (None, 4):
            result = ModalityShapley(model).attribute(inputs, target=target)
            expected = {m: float(output.modality_logits[m][0, result.target]) for m in MODALITIES}
            assert result.values_logit == pytest.approx(expected, abs=1e-5)
            assert result.empty_logit == pytest.approx(float(model.combiner.bias.detach()[result.target]), abs=1e-6)
            check_efficiency(result)
