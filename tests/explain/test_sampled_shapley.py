"""Sampled modality Shapley values (permutation sampling) against the exact values."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from fusion.explain import ModalityShapley
from fusion.explain.shapley import order_coalitions, permutation_orders, sampled_values, shapley_values

PLAYERS = ("audio", "depth", "image", "text", "touch")


def random_game(players: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(1 << players, generator=generator, dtype=torch.float64)


def coalition_values(game: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    bits = (masks.long() * (1 << torch.arange(masks.shape[-1]))).sum(-1)
    return game[bits]


def test_each_order_adds_every_player_once_and_ends_with_everyone() -> None:
    orders = permutation_orders(5, 8, seed=1)
    masks = order_coalitions(orders)
    assert masks.shape == (8, 6, 5)
    assert not masks[:, 0].any() and masks[:, -1].all()
    assert torch.equal(masks.sum(-1), torch.arange(6).expand(8, -1))
    assert torch.equal(orders[4:], orders[:4].flip(1))  # antithetic: each order and its reverse


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_estimates_are_efficient_and_within_their_error_bars_of_the_exact_values(seed: int) -> None:
    game = random_game(5, seed)
    exact = shapley_values(game, 5)
    orders = permutation_orders(5, 400, seed)
    estimate, error = sampled_values(coalition_values(game, order_coalitions(orders)), orders)
    assert float(estimate.sum()) == pytest.approx(float(game[-1] - game[0]), abs=1e-9)  # efficiency, exactly
    assert ((estimate - exact).abs() <= 4 * error + 1e-9).all()
    assert (error > 0).all()


def test_the_error_bar_shrinks_like_one_over_the_root_of_the_samples() -> None:
    game = random_game(5, 3)
    errors = []
    for count in (40, 640):
        orders = permutation_orders(5, count, 3)
        errors.append(float(sampled_values(coalition_values(game, order_coalitions(orders)), orders)[1].mean()))
    assert errors[1] < errors[0] / 2.5  # 16x the samples: about 4x smaller


class AdditiveToy(nn.Module):
    """logits = bias + sum over present m of w_m * x_m: every modality's Shapley value on the logit is w_m x_m."""

    def __init__(self, players=PLAYERS) -> None:
        super().__init__()
        self.modalities = list(players)
        self.w = nn.Parameter(torch.arange(1.0, len(players) + 1.0))

    def forward(self, inputs, present):
        terms = torch.stack([present[m].double() * inputs[m][:, 0].double() * self.w[k] for k, m in enumerate(self.modalities)], 1)
        total = terms.sum(1, keepdim=True)
        return type("Out", (), {"logits": torch.cat([total, -total], 1), "mixing": {}})()


def test_the_explainer_samples_past_six_players_or_on_request_and_matches_exact_on_a_known_game() -> None:
    model = AdditiveToy().eval()
    inputs = {m: torch.full((1, 1), 0.5) for m in PLAYERS}
    exact = ModalityShapley(model).attribute(inputs, target=0)
    sampled = ModalityShapley(model, method="sampled", permutations=32).attribute(inputs, target=0)
    assert exact.method == "exact" and sampled.method == "sampled" and sampled.permutations == 32
    for k, m in enumerate(PLAYERS):  # additive on the logit: every order gives the same contribution
        assert exact.values_logit[m] == pytest.approx(0.5 * (k + 1))
        assert sampled.values_logit[m] == pytest.approx(0.5 * (k + 1))
        assert sampled.standard_error_logit[m] == pytest.approx(0.0, abs=1e-12)
    assert sum(sampled.values_probability.values()) == pytest.approx(sampled.full_probability - sampled.empty_probability)
    assert math.isclose(sampled.leave_one_out["text"], exact.leave_one_out["text"], abs_tol=1e-12)


def test_auto_is_exact_up_to_six_players_and_sampled_beyond() -> None:
    for count, method in ((6, "exact"), (7, "sampled")):
        players = [f"m{k}" for k in range(count)]
        model = AdditiveToy(players).eval()
        result = ModalityShapley(model).attribute({m: torch.ones(1, 1) for m in players}, target=0)
        assert result.method == method
        assert sum(result.values_logit.values()) == pytest.approx(result.full_logit - result.empty_logit)
