"""Exact modality Shapley values: the players are modalities, a coalition is a present mask.

"The model without the audio" is the model's own answer with audio marked absent (every strategy
is trained with modality dropout), so the value of a coalition S is the model's output for the
sample with exactly the modalities in S present. All 2^M coalitions are evaluated in ONE batched
forward pass (the sample repeated 2^M times, one present mask per row); the classic weighted
formula then gives exact values

    phi_m = sum over S not containing m of |S|! (M - |S| - 1)! / M! * (v(S + m) - v(S))

on two scales: the target class's probability and its logit. Arithmetic is float64.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import Tensor

from fusion.explain.base import Explainer, ShapleyResult, select_modalities

MAX_PLAYERS = 12  # 4096 coalitions in one batch


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

    def attribute(
        self,
        inputs: Mapping[str, Tensor],
        target: int | None = None,
        present: Iterable[str] | Mapping[str, Any] | None = None,
    ) -> ShapleyResult:
        self.check_eval_mode()
        self.check_inputs(inputs, batch=1)
        players = select_modalities(self.modalities, present)
        if len(players) > MAX_PLAYERS:
            raise ValueError(f"{self.name}: at most {MAX_PLAYERS} modalities (got {len(players)})")
        rows = 1 << len(players)

        subsets = torch.arange(rows)
        batch = {m: inputs[m].repeat(rows, *[1] * (inputs[m].dim() - 1)) for m in self.modalities}
        mask = {m: torch.zeros(rows, dtype=torch.bool) for m in self.modalities}
        for k, m in enumerate(players):
            mask[m] = (subsets & (1 << k)) != 0
        logits, output = self.forward_logits(batch, mask)
        probabilities = torch.softmax(logits, dim=-1)

        full, empty = rows - 1, 0
        num_classes = logits.shape[-1]
        if target is None:
            target = int(logits[full].argmax())
        target = int(target)
        if not 0 <= target < num_classes:
            raise ValueError(f"{self.name}: target {target} is not a class of this model (0..{num_classes - 1})")

        phi_probability = shapley_values(probabilities[:, target], len(players))
        phi_logit = shapley_values(logits[:, target], len(players))
        names = [frozenset(m for k, m in enumerate(players) if s & (1 << k)) for s in range(rows)]
        without = {m: full & ~(1 << k) for k, m in enumerate(players)}
        mixing = {
            key: tuple(float(x) for x in value[full].detach().to(torch.float64).reshape(-1))
            for key, value in (getattr(output, "mixing", None) or {}).items()
        }
        combiner = mixing.get("combiner")
        return ShapleyResult(
            target=target,
            players=tuple(players),
            values_probability={m: float(phi_probability[k]) for k, m in enumerate(players)},
            values_logit={m: float(phi_logit[k]) for k, m in enumerate(players)},
            full_probability=float(probabilities[full, target]),
            empty_probability=float(probabilities[empty, target]),
            full_logit=float(logits[full, target]),
            empty_logit=float(logits[empty, target]),
            leave_one_out={m: float(probabilities[full, target] - probabilities[s, target]) for m, s in without.items()},
            subset_probabilities={names[s]: tuple(probabilities[s].tolist()) for s in range(rows)},
            subset_logits={names[s]: tuple(logits[s].tolist()) for s in range(rows)},
            # a late model's combiner weighs its modalities in sorted order (0 for absent ones)
            combiner_weights=(
                dict(zip(self.modalities, combiner)) if combiner and len(combiner) == len(self.modalities) else None
            ),
            mixing=mixing,
        )
