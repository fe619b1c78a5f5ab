"""Exact modality Shapley values: the players are modalities, a coalition is a present mask.

"The model without the audio" is the model's own answer with audio marked absent (every strategy
is trained with modality dropout), so the value of a coalition S is the model's output for the
sample with exactly the modalities in S present. All 2^M coalitions are evaluated in ONE batched
forward pass (the sample repeated 2^M times, one present mask per row); the classic weighted
formula then gives exact values

    phi_m = sum over S not containing m of |S|! (M - |S| - 1)! / M! * (v(S + m) - v(S))

on three scales of the target class:

- ``probability``: v(S) = p_target(S), the values add up to p(all) - p(none);
- ``log_probability``: v(S) = log p_target(S), log-softmax applied to EVERY coalition's output (the
  empty one included), so both end points are <= 0 and the game is the one a classifier's
  cross-entropy sees; this is the log-scale game to read;
- ``raw_logit``: v(S) = the target's raw logit. Kept for models whose logits are additive by
  construction (late ``logit_sum``), but NOT a sound game in general: a softmax ignores an offset
  shared by all classes, and that offset differs between coalitions, so it is split across the
  modalities (on late models before their empty coalition returned log-probabilities, signs flipped
  in most samples). Labelled "raw logit" wherever it is shown.

Arithmetic is float64.

Past ``MAX_EXACT_PLAYERS`` players (or with ``method="sampled"``) the values are estimated by
antithetic permutation sampling: each sampled order and its reverse add one player at a time, all
their coalitions in one batch; the estimate is the mean marginal contribution, its error bar the
standard error of that mean. Every order's contributions add up to v(all) - v(none), so efficiency
holds exactly for the estimate too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import Tensor

from fusion.explain.base import Explainer, ShapleyResult, select_modalities

MAX_PLAYERS = 12  # 4096 coalitions in one batch
MAX_EXACT_PLAYERS = 6  # 64 coalitions: exact by default up to here, sampled beyond
METHODS = ("auto", "exact", "sampled")


def permutation_orders(players: int, permutations: int, seed: int) -> Tensor:
    """``[2 * (permutations // 2), players]`` orders: random permutations and their reverses."""
    generator = torch.Generator().manual_seed(seed)
    half = [torch.randperm(players, generator=generator) for _ in range(max(1, permutations // 2))]
    return torch.stack([*half, *(order.flip(0) for order in half)])


def order_coalitions(orders: Tensor) -> Tensor:
    """``[P, M + 1, M]`` bool masks: for each order, the coalition before each step and the full one."""
    count, players = orders.shape
    steps = torch.arange(players + 1).view(1, -1, 1)
    rank = torch.empty_like(orders)
    rank.scatter_(1, orders, torch.arange(players).expand(count, -1))  # rank[p, k]: step at which k joins
    return rank.unsqueeze(1) < steps


def sampled_values(values: Tensor, orders: Tensor) -> tuple[Tensor, Tensor]:
    """Estimates and standard errors ``[M, ...]`` from ``values`` ``[P, M + 1, ...]``, the value of
    each order's coalitions (``order_coalitions``)."""
    count, players = orders.shape
    gains = values[:, 1:] - values[:, :-1]  # [P, M, ...]: the gain of the player added at each step
    contributions = torch.zeros_like(gains)
    index = orders.view(count, players, *[1] * (gains.dim() - 2)).expand_as(gains)
    contributions.scatter_(1, index, gains)  # [P, M, ...] per player
    mean = contributions.mean(0)
    error = contributions.std(0, correction=1) / math.sqrt(count) if count > 1 else torch.zeros_like(mean)
    return mean, error


def shapley_values(values: Tensor, players: int) -> Tensor:
    """Exact Shapley values from the values of all coalitions.

    ``values``: ``[2**players, ...]`` float64, row ``s`` the value of the coalition whose bit ``k`` is
    set when player ``k`` is in it. Returns ``[players, ...]``.
    """
    total = math.factorial(players)
    out = torch.zeros((players, *values.shape[1:]), dtype=torch.float64)
    for k in range(players):
        bit = 1 << k
        for subset in range(1 << players):
            if subset & bit:
                continue
            size = bin(subset).count("1")
            weight = math.factorial(size) * math.factorial(players - size - 1) / total
            out[k] += weight * (values[subset | bit] - values[subset])
    return out


class ModalityShapley(Explainer):
    """Exact Shapley values of the modalities of one sample, from the model's own absent mask.

    ``attribute(inputs, target=None, present=None)``: ``inputs`` with batch dimension 1 (all of the
    model's modalities; placeholders are fine for ones that are not players); ``target`` defaults
    to the class predicted with every player present; ``present`` (names, or a mask mapping names
    to bools) chooses the players, default all the model's modalities. Modalities that are not
    players are absent in every coalition.
    """

    name = "Modality Shapley values"

    def __init__(self, model: torch.nn.Module, method: str = "auto", permutations: int = 64, seed: int = 0) -> None:
        super().__init__(model)
        if method not in METHODS:
            raise ValueError(f"{self.name}: method must be one of {', '.join(METHODS)} (got {method!r})")
        if permutations < 2:
            raise ValueError(f"{self.name}: permutations must be at least 2 (got {permutations})")
        self.method, self.permutations, self.seed = method, int(permutations), int(seed)

    def attribute(
        self,
        inputs: Mapping[str, Tensor],
        target: int | None = None,
        present: Iterable[str] | Mapping[str, Any] | None = None,
    ) -> ShapleyResult:
        self.check_eval_mode()
        self.check_inputs(inputs, batch=1)
        players = select_modalities(self.modalities, present)
        sampled = self.method == "sampled" or (self.method == "auto" and len(players) > MAX_EXACT_PLAYERS)
        if sampled:
            return self._sampled(inputs, target, players)
        if len(players) > MAX_PLAYERS:
            raise ValueError(f"{self.name}: at most {MAX_PLAYERS} modalities exactly (got {len(players)}); use method='sampled'")
        rows = 1 << len(players)

        subsets = torch.arange(rows)
        batch = {m: inputs[m].repeat(rows, *[1] * (inputs[m].dim() - 1)) for m in self.modalities}
        mask = {m: torch.zeros(rows, dtype=torch.bool) for m in self.modalities}
        for k, m in enumerate(players):
            mask[m] = (subsets & (1 << k)) != 0
        logits, output = self.forward_logits(batch, mask)
        probabilities = torch.softmax(logits, dim=-1)
        log_probabilities = torch.log_softmax(logits, dim=-1)

        full, empty = rows - 1, 0
        num_classes = logits.shape[-1]
        if target is None:
            target = int(logits[full].argmax())
        target = int(target)
        if not 0 <= target < num_classes:
            raise ValueError(f"{self.name}: target {target} is not a class of this model (0..{num_classes - 1})")

        phi_probability = shapley_values(probabilities[:, target], len(players))
        phi_logit = shapley_values(logits[:, target], len(players))
        phi_log = shapley_values(log_probabilities[:, target], len(players))
        names = [frozenset(m for k, m in enumerate(players) if s & (1 << k)) for s in range(rows)]
        without = {m: full & ~(1 << k) for k, m in enumerate(players)}
        mixing = {
            key: tuple(float(x) for x in value[full].detach().to(torch.float64).reshape(-1))
            for key, value in (getattr(output, "mixing", None) or {}).items()
        }
        combiner = mixing.get("combiner")
        return _result(
            target, players, phi_probability, phi_logit, phi_log, probabilities, logits, full, empty,
            leave_one_out={m: float(probabilities[full, target] - probabilities[s, target]) for m, s in without.items()},
            subset_probabilities={names[s]: tuple(probabilities[s].tolist()) for s in range(rows)},
            subset_logits={names[s]: tuple(logits[s].tolist()) for s in range(rows)},
            # a late model's combiner weighs its modalities in sorted order (0 for absent ones)
            combiner_weights=(
                dict(zip(self.modalities, combiner)) if combiner and len(combiner) == len(self.modalities) else None
            ),
            mixing=mixing,
        )

    def _sampled(self, inputs: Mapping[str, Tensor], target: int | None, players: list[str]) -> ShapleyResult:
        """Permutation-sampling estimates with standard errors (see the module docstring)."""
        count = len(players)
        orders = permutation_orders(count, self.permutations, self.seed)
        coalitions = order_coalitions(orders).reshape(-1, count)  # [P * (M + 1), M]
        leave_one_out = ~torch.eye(count, dtype=torch.bool)
        masks = torch.cat([coalitions, leave_one_out])
        rows = len(masks)
        batch = {m: inputs[m].repeat(rows, *[1] * (inputs[m].dim() - 1)) for m in self.modalities}
        mask = {m: torch.zeros(rows, dtype=torch.bool) for m in self.modalities}
        for k, m in enumerate(players):
            mask[m] = masks[:, k]
        logits, _ = self.forward_logits(batch, mask)
        probabilities = torch.softmax(logits, dim=-1)
        per_order = len(orders) * (count + 1)
        full, empty = count, 0  # in every order: step M is everyone, step 0 no one
        if target is None:
            target = int(logits[full].argmax())
        target = int(target)
        if not 0 <= target < logits.shape[-1]:
            raise ValueError(f"{self.name}: target {target} is not a class of this model (0..{logits.shape[-1] - 1})")
        scale_p = probabilities[:per_order, target].reshape(len(orders), count + 1)
        scale_l = logits[:per_order, target].reshape(len(orders), count + 1)
        scale_log = torch.log_softmax(logits, dim=-1)[:per_order, target].reshape(len(orders), count + 1)
        phi_p, error_p = sampled_values(scale_p, orders)
        phi_l, error_l = sampled_values(scale_l, orders)
        phi_log, error_log = sampled_values(scale_log, orders)
        dropped = probabilities[per_order:, target]
        return _result(
            target, players, phi_p, phi_l, phi_log, probabilities, logits, full, empty,
            leave_one_out={m: float(probabilities[full, target] - dropped[k]) for k, m in enumerate(players)},
            subset_probabilities={},
            subset_logits={},
            method="sampled",
            permutations=len(orders),
            standard_error_probability={m: float(error_p[k]) for k, m in enumerate(players)},
            standard_error_logit={m: float(error_l[k]) for k, m in enumerate(players)},
            standard_error_log_probability={m: float(error_log[k]) for k, m in enumerate(players)},
        )


def _result(target: int, players: list[str], phi_probability: Tensor, phi_logit: Tensor, phi_log: Tensor,
            probabilities: Tensor, logits: Tensor, full: int, empty: int, **rest: Any) -> ShapleyResult:
    """A ``ShapleyResult`` from the values per player and the rows of the full and empty coalitions."""
    log_probabilities = torch.log_softmax(logits, dim=-1)
    return ShapleyResult(
        target=target,
        players=tuple(players),
        values_probability={m: float(phi_probability[k]) for k, m in enumerate(players)},
        values_logit={m: float(phi_logit[k]) for k, m in enumerate(players)},
        full_probability=float(probabilities[full, target]),
        empty_probability=float(probabilities[empty, target]),
        full_logit=float(logits[full, target]),
        empty_logit=float(logits[empty, target]),
        values_log_probability={m: float(phi_log[k]) for k, m in enumerate(players)},
        full_log_probability=float(log_probabilities[full, target]),
        empty_log_probability=float(log_probabilities[empty, target]),
        **rest,
    )
