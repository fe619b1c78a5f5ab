"""Integrated Gradients (Sundararajan et al. 2017) over every present modality at once, with captum.

What is attributed, per present modality:

- ``image``: the pixels ``[8, 8]``;
- ``audio``: the log-mel bins ``[32, 60]``;
- ``text``: the word-token EMBEDDINGS (the output of ``model.tokenizers["text"].embed``; ids are
  discrete, so the path runs through embedding space). The attribution is summed over the
  embedding dimension to one value per token, and only real (non-padding) tokens are kept.

Baselines are "the modality with no content" (each overridable with ``baselines``):

- ``image``: all zeros, a blank page;
- ``audio``: -1, the silence floor of the log-mel scale, on the clip's frames (padding frames stay
  padding, so the path never crosses the padding mask);
- ``text``: no words: every word slot masked, as in an empty caption (the model's own absent
  path: masked keys), with the padding embedding (zeros). Along the path each real word's
  embedding AND its slot's weight (the last channel of ``TextTokenizer.embedded``, a soft key
  mask: log(weight) is added to the attention scores) grow from 0 to 1 together, so the model's
  output is continuous from "no words" to the caption and completeness holds against it. (Until
  December 2026 the baseline zeroed the embeddings but kept the slots active: not "no text".) A
  word's attribution is the sum over its embedding and its slot weight.

All present modalities travel JOINTLY along one straight path from the baseline to the input
(captum with a tuple of inputs), so completeness holds for the sum over all of them:
``sum(attributions) = f(input) - f(baseline)`` for the target LOGIT, up to the quadrature error
that captum reports as the convergence delta. Absent modalities are not attributed: they are held
absent by the present mask at every step (their inputs never influence the output).

Convergence: the integral is a quadrature, and a fixed 25 points were not enough on some inputs
(on ``match`` hybrid, 14 % of test rows missed completeness by more than 5 %; row 64's
attributions summed to -1.8 for a gap of +0.24). So the step count adapts: ``steps`` (16), then
doubling (32, 64, ...) up to ``max_steps`` (512), until captum's convergence delta
``|sum(attributions) - (f(x) - f(baseline))|`` is at most ``tolerance`` (1 %) of the gap
``|f(x) - f(baseline)|`` or at most ``absolute_tolerance`` (1e-3 logit). The result says how many
steps it took, the delta and the gap, and whether it converged within the cap (it is reported,
never hidden, when it did not). ``max_steps == steps`` gives the classic fixed-step IG.

Speed: each try is one captum call, batched ``internal_batch_size`` path points at a time (64:
bounded memory, few passes); most rows converge at the first try.

Text travels as its embedded words (``TextTokenizer.embedded``: embeddings plus a channel marking
real words), passed to the model as its text input: the shared model is never patched, hooked or
put in another mode, so concurrent sessions explaining other samples on it are unaffected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fusion.explain.base import Explainer, select_modalities
from fusion.modalities import get_modality
from fusion.modalities.text import decode_tokens

METHODS = ("gausslegendre", "riemann_trapezoid")
FIRST_STEPS = 16
MAX_STEPS = 512
TOLERANCE = 0.01  # of |f(x) - f(baseline)|
ABSOLUTE_TOLERANCE = 1e-3  # logit
INTERNAL_BATCH = 64


def step_schedule(first: int, cap: int) -> list[int]:
    """``first``, doubling, up to ``cap`` (always ending at ``cap``): 16, 32, 64, ..., 512."""
    counts, n = [], first
    while n < cap:
        counts.append(n)
        n *= 2
    return [*counts, cap]


def converged(delta: float, gap: float, tolerance: float = TOLERANCE, absolute: float = ABSOLUTE_TOLERANCE) -> bool:
    """|delta| <= tolerance * |gap|, or |delta| <= absolute."""
    return abs(delta) <= max(tolerance * abs(gap), absolute)


@dataclass(frozen=True)
class GradientResult:
    """Integrated Gradients of one sample for one target logit, keyed by present modality.

    ``attributions``: ``image`` ``[8, 8]``, ``audio`` ``[32, 60]``, ``text`` ``[n_words]`` (one value
    per real token, in order, matching ``words``). ``shares``: each modality's L1 attribution over
    the total L1 of the present modalities (sum to 1; equal shares if every attribution is 0).
    ``convergence_delta``: captum's ``sum(attributions) - (f(input) - f(baseline))`` on the logit.
    ``logit`` / ``baseline_logit``: the target logit at the input and at the baseline (their
    difference is the ``gap``). ``steps``: the step count of the reported attributions (the last
    try); ``converged``: whether ``|delta|`` met the tolerance within the step cap.
    """

    attributions: dict[str, np.ndarray]
    words: tuple[str, ...]
    shares: dict[str, float]
    convergence_delta: float
    target: int
    steps: int
    baselines: dict[str, str]
    logit: float
    baseline_logit: float
    method: str = "gausslegendre"
    converged: bool = True
    tolerance: float = TOLERANCE
    absolute_tolerance: float = ABSOLUTE_TOLERANCE

    @property
    def gap(self) -> float:
        """``f(input) - f(baseline)``: what the attributions should add up to."""
        return self.logit - self.baseline_logit

    def convergence(self) -> dict[str, Any]:
        """``{"delta", "gap", "steps", "converged", "tolerance"}`` (what ``explain --json`` prints);
        ``tolerance`` is the |delta| the run had to reach."""
        return {"delta": self.convergence_delta, "gap": self.gap, "steps": self.steps, "converged": self.converged,
                "tolerance": max(self.tolerance * abs(self.gap), self.absolute_tolerance)}

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(self.attributions)

    def total(self) -> float:
        """Sum of all attributions (completeness: about ``logit - baseline_logit``)."""
        return float(sum(a.sum() for a in self.attributions.values()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: arrays become nested lists."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["attributions"] = {m: a.tolist() for m, a in self.attributions.items()}
        out["words"] = list(self.words)
        out["shares"] = dict(self.shares)
        out["baselines"] = dict(self.baselines)
        out["convergence"] = self.convergence()
        return out


class IntegratedGradients(Explainer):
    """Integrated Gradients of a target logit over all present modalities, jointly, run to
    convergence (see the module docstring).

    ``IntegratedGradients(model, steps=16, baselines=None, method="gausslegendre", max_steps=512,
    tolerance=0.01, absolute_tolerance=1e-3, internal_batch_size=64)``: ``steps`` is the first
    step count, doubled until converged or ``max_steps``;
    ``baselines`` maps a modality to a float (a constant input / embedding value) or a tensor that
    broadcasts to the attributed input (``[1, 8, 8]``, ``[1, 32, 60]``, text ``[1, 16, D]``).

    ``attribute(inputs, target=None, present=None)``: ``inputs`` with batch dimension 1 (all of
    the model's modalities; placeholders are fine for absent ones); ``present`` (names, or a mask
    mapping names to bools) chooses the attributed modalities, default all; the others are held
    absent. ``target`` defaults to the class predicted with that present mask.
    """

    name = "Integrated Gradients"

    def __init__(
        self,
        model: torch.nn.Module,
        steps: int = FIRST_STEPS,
        baselines: Mapping[str, float | Tensor] | None = None,
        method: str = "gausslegendre",
        max_steps: int = MAX_STEPS,
        tolerance: float = TOLERANCE,
        absolute_tolerance: float = ABSOLUTE_TOLERANCE,
        internal_batch_size: int = INTERNAL_BATCH,
    ) -> None:
        super().__init__(model)
        if int(steps) < 1:
            raise ValueError(f"{self.name}: steps must be at least 1 (got {steps})")
        if int(max_steps) < int(steps):
            raise ValueError(f"{self.name}: max_steps ({max_steps}) must be at least steps ({steps})")
        if tolerance < 0 or absolute_tolerance < 0 or int(internal_batch_size) < 1:
            raise ValueError(f"{self.name}: tolerances must be >= 0 and internal_batch_size >= 1")
        if method not in METHODS:
            raise ValueError(f"{self.name}: method must be one of {', '.join(METHODS)} (got {method!r})")
        baselines = dict(baselines or {})
        unknown = [m for m in baselines if m not in self.modalities]
        if unknown:
            raise ValueError(
                f"{self.name}: baseline for unknown modality {', '.join(map(str, unknown))}; "
                f"this model reads: {', '.join(self.modalities)}"
            )
        self.steps, self.max_steps = int(steps), int(max_steps)
        self.tolerance, self.absolute_tolerance = float(tolerance), float(absolute_tolerance)
        self.internal_batch_size = int(internal_batch_size)
        self.method = method
        self.baselines = baselines
        # text read as word ids goes through its embedding layer; a head over a frozen encoder
        # reads embeddings directly (its tokenizer has a ``baseline``), like image and audio
        tokenizers = getattr(self.model, "tokenizers", {})
        self._embedded = {m for m in self.modalities if m in tokenizers and hasattr(tokenizers[m], "baseline")}
        self._ids_text = "text" not in self._embedded

    # --- the path's end points ----------------------------------------------------------------------

    def _endpoint(self, modality: str, value: Tensor) -> Tensor:
        """The attributed input of ``modality`` for one sample (text ids: their embeddings)."""
        if modality == "text" and self._ids_text:
            try:
                embedded = self.model.tokenizers["text"].embedded
            except (AttributeError, KeyError, TypeError):
                raise ValueError(f"{self.name}: the model's text tokenizer cannot embed words to attribute them") from None
            with torch.no_grad():
                return embedded(value).detach()
        return value.detach()

    def _baseline(self, modality: str, value: Tensor, start: Tensor) -> tuple[Tensor, str]:
        override = self.baselines.get(modality)
        if override is None:
            if modality in self._embedded:
                return self.model.tokenizers[modality].baseline(start).detach(), "the training set's mean embedding on the real tokens"
            if modality == "text":  # no words: every slot masked (weight 0), padding embeddings (zeros)
                return torch.zeros_like(start), get_modality("text").ig_baseline
            spec = get_modality(modality)
            if spec.ig_baseline_value is not None:
                return spec.ig_baseline_input(start), spec.ig_baseline
            return torch.zeros_like(start), "zeros"
        if isinstance(override, Tensor):
            try:
                tensor = torch.broadcast_to(override.detach().to(start.dtype), start.shape).clone()
            except RuntimeError:
                raise ValueError(
                    f"{self.name}: the {modality} baseline of shape {tuple(override.shape)} does not fit the "
                    f"attributed input of shape {tuple(start.shape)}"
                ) from None
            return tensor, f"custom tensor {tuple(override.shape)}"
        return torch.full_like(start, float(override)), f"constant {float(override):g}"

    # --- the analysis ------------------------------------------------------------------------------

    def attribute(
        self,
        inputs: Mapping[str, Tensor],
        target: int | None = None,
        present: Iterable[str] | Mapping[str, Any] | None = None,
    ) -> GradientResult:
        self.check_eval_mode()
        self.check_inputs(inputs, batch=1)
        attributed = select_modalities(self.modalities, present)
        if not attributed:
            raise ValueError(f"{self.name}: no modality is present; there is nothing to attribute")

        starts = tuple(self._endpoint(m, inputs[m]) for m in attributed)
        pairs = [self._baseline(m, inputs[m], start) for m, start in zip(attributed, starts)]
        bases = tuple(b for b, _ in pairs)
        descriptions = {m: d for m, (_, d) in zip(attributed, pairs)}
        index = {m: k for k, m in enumerate(attributed)}

        def forward(*tensors: Tensor) -> Tensor:
            rows = tensors[0].shape[0]
            batch = {}
            for m in self.modalities:
                if m in index:
                    batch[m] = tensors[index[m]]
                else:  # placeholders of the absent ones
                    batch[m] = inputs[m].expand(rows, *inputs[m].shape[1:])
            mask = {m: torch.full((rows,), m in index, dtype=torch.bool) for m in self.modalities}
            return self.model(batch, mask).logits

        # input and baseline in one forward pass: the default target and both end-point logits
        with torch.no_grad():
            ends = forward(*(torch.cat([s, b]) for s, b in zip(starts, bases))).detach().to(torch.float64)
        num_classes = ends.shape[-1]
        if target is None:
            target = int(ends[0].argmax())
        target = int(target)
        if not 0 <= target < num_classes:
            raise ValueError(f"{self.name}: target {target} is not a class of this model (0..{num_classes - 1})")

        gap = float(ends[0, target] - ends[1, target])
        for steps in step_schedule(self.steps, self.max_steps):
            attributions, delta = _captum_integrated_gradients(forward).attribute(
                starts,
                baselines=bases,
                target=target,
                n_steps=steps,
                method=self.method,
                internal_batch_size=self.internal_batch_size,
                return_convergence_delta=True,
            )
            done = converged(float(delta.reshape(-1)[0]), gap, self.tolerance, self.absolute_tolerance)
            if done:
                break

        values: dict[str, np.ndarray] = {}
        words: tuple[str, ...] = ()
        for m, attribution in zip(attributed, attributions):
            a = attribution.detach().to(torch.float64)[0]
            if m in self._embedded:
                a = a[..., :-1].sum(-1)[inputs[m][0, :, -1] > 0.5]  # per real token (mask channel dropped)
            elif m == "text":
                ids = inputs["text"][0]
                a = a.sum(-1)[ids != 0]  # per real word: its embedding and its slot's weight (0 -> 1)
                vocabulary = getattr(getattr(self.model, "config", None), "vocabulary", None)
                words = (
                    tuple(decode_tokens(ids, vocabulary)) if vocabulary else tuple(str(int(i)) for i in ids if int(i) != 0)
                )
            values[m] = a.numpy()
        l1 = {m: float(np.abs(a).sum()) for m, a in values.items()}
        total = sum(l1.values())
        shares = {m: (v / total if total > 0 else 1.0 / len(l1)) for m, v in l1.items()}

        return GradientResult(
            attributions=values,
            words=words,
            shares=shares,
            convergence_delta=float(delta.reshape(-1)[0]),
            target=target,
            steps=steps,
            baselines=descriptions,
            logit=float(ends[0, target]),
            baseline_logit=float(ends[1, target]),
            method=self.method,
            converged=done,
            tolerance=self.tolerance,
            absolute_tolerance=self.absolute_tolerance,
        )


def _captum_integrated_gradients(forward):
    """captum's IG, imported at the first attribution: ``captum.attr`` takes 0.6 s to import, which
    an Explore page that does not show gradients need not pay."""
    from captum.attr import IntegratedGradients as CaptumIntegratedGradients

    return CaptumIntegratedGradients(forward)
