"""The explainer interface shared by every explanation method (captum style).

An explainer is constructed with the model and its settings; ``attribute(...)`` runs one analysis
and returns a small frozen result dataclass keyed by modality. ``name`` is a readable label for
the UI and the CLI.

Explainers evaluate the model as it is and never change its mode (models may be shared between
sessions, so they are not mutated): a model in training mode (dropout active) is rejected, because
its answers would be random and the exact identities of the methods (Shapley efficiency, EMAP
projection) would not hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import torch
from torch import Tensor, nn


class Explainer:
    """Base class: settings in the constructor, ``attribute(...)`` per call."""

    name: str = "explainer"

    def __init__(self, model: nn.Module) -> None:
        modalities = getattr(model, "modalities", None)
        if not modalities:
            raise ValueError(f"{type(model).__name__} has no `modalities` list; explainers need a FusionModel")
        self.model = model

    @property
    def modalities(self) -> list[str]:
        """The model's modalities in sorted order (the project-wide iteration order)."""
        return sorted(self.model.modalities)

    def attribute(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def check_eval_mode(self) -> None:
        if self.model.training:
            raise ValueError(
                f"{self.name}: the model is in training mode (dropout would make its answers random); call model.eval() first"
            )

    def forward_logits(self, inputs: Mapping[str, Tensor], present: Mapping[str, Tensor]) -> tuple[Tensor, Any]:
        """One forward pass without gradients; returns (logits ``[B, C]`` as float64, the raw output)."""
        with torch.no_grad():
            output = self.model(dict(inputs), dict(present))
        return output.logits.detach().to(torch.float64), output

    def check_inputs(self, inputs: Mapping[str, Tensor], batch: int | None = None) -> int:
        """Every model modality must have an input (a placeholder is fine); returns the batch size."""
        missing = [m for m in self.modalities if m not in inputs]
        if missing:
            raise ValueError(
                f"{self.name}: missing input for modality {', '.join(missing)}; pass a placeholder tensor (it is masked)"
            )
        sizes = {m: int(inputs[m].shape[0]) for m in self.modalities}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"{self.name}: inputs have different batch sizes {sizes}")
        size = next(iter(sizes.values()))
        if batch is not None and size != batch:
            raise ValueError(f"{self.name}: expected a batch of {batch} (got {size}); pass one sample as a batch of 1")
        return size


def select_modalities(modalities: Iterable[str], chosen: Iterable[str] | Mapping[str, Any] | None) -> list[str]:
    """Sorted names of the chosen modalities among ``modalities``.

    ``chosen`` is ``None`` (all), an iterable of names, or a ``present`` mask mapping names to bools
    or 1-element bool tensors (names mapped to False are left out).
    """
    known = sorted(modalities)
    if chosen is None:
        return known
    if isinstance(chosen, Mapping):
        names = [m for m, flag in chosen.items() if _truthy(flag)]
    elif isinstance(chosen, str):
        names = [chosen]
    else:
        names = list(chosen)
    unknown = [m for m in names if m not in known]
    if unknown:
        raise ValueError(f"unknown modality {', '.join(map(str, unknown))}; this model reads: {', '.join(known)}")
    return sorted(set(names))


def _truthy(flag: Any) -> bool:
    if isinstance(flag, Tensor):
        if flag.numel() != 1:
            raise ValueError("a present mask for one sample must have exactly one element per modality")
        return bool(flag.item())
    return bool(flag)


def subset_key(names: Iterable[str]) -> str:
    """A readable, JSON-friendly name for a modality subset: ``"audio+image"``; ``"(none)"`` if empty."""
    names = sorted(names)
    return "+".join(names) if names else "(none)"


@dataclass(frozen=True)
class ShapleyResult:
    """Exact modality Shapley values for one sample and one target class.

    ``values_*`` sum to ``full_* - empty_*`` (efficiency) on each scale: ``probability`` (p of the
    target), ``log_probability`` (its log-softmax, every coalition included; both ends <= 0) and
    ``logit`` (the RAW target logit: not softmax-invariant, so only meaningful for models additive
    in logits; see ``fusion.explain.shapley``). ``subset_probabilities`` /
    ``subset_logits`` hold the full class vectors of every subset of the players (keys: frozensets
    of modality names). ``combiner_weights``: a late model's combiner weights for the full set.
    """

    target: int
    players: tuple[str, ...]
    values_probability: dict[str, float]
    values_logit: dict[str, float]
    full_probability: float
    empty_probability: float
    full_logit: float
    empty_logit: float
    values_log_probability: dict[str, float]
    full_log_probability: float
    empty_log_probability: float
    leave_one_out: dict[str, float]  # probability scale: f(all) - f(all without m)
    subset_probabilities: dict[frozenset[str], tuple[float, ...]]
    subset_logits: dict[frozenset[str], tuple[float, ...]]
    combiner_weights: dict[str, float] | None = None
    mixing: dict[str, tuple[float, ...]] = field(default_factory=dict)  # every FusionOutput.mixing, full row
    method: str = "exact"  # or "sampled": permutation-sampling estimates with standard errors
    permutations: int = 0  # sampled orders (0 when exact)
    standard_error_probability: dict[str, float] | None = None
    standard_error_logit: dict[str, float] | None = None
    standard_error_log_probability: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: subset keys become ``"audio+image"`` strings."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["players"] = list(self.players)
        for name in ("subset_probabilities", "subset_logits"):
            out[name] = {subset_key(k): list(v) for k, v in getattr(self, name).items()}
        out["mixing"] = {k: list(v) for k, v in self.mixing.items()}
        return out


@dataclass(frozen=True)
class EmapResult:
    """EMAP (Hessel & Lee 2020) over an N x N grid of cross-sample combinations.

    ``nonadditive_share``: Var(f - f_hat) / Var(f) of the model's output on ``scale``
    (``probability``, ``log_probability`` or ``logit``) over the grid (summed over classes), 0 when
    the model is constant on the grid. The projection's predictions are read on the same scale. ``emap_accuracy`` / ``accuracy``: accuracy of the
    additive projection / the model on the original pairs (``None`` without labels).
    """

    nonadditive_share: float
    emap_accuracy: float | None
    accuracy: float | None
    n: int
    modalities_a: tuple[str, ...] = ()
    modalities_b: tuple[str, ...] = ()
    scale: str = "logit"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {
            "modalities_a": list(self.modalities_a),
            "modalities_b": list(self.modalities_b),
        }
