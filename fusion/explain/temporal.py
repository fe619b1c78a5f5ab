"""Temporal contributions: exact Shapley values over groups of a clip's frames.

The players are ``segments`` consecutive groups of frames (8 frames, 4 segments: frames 1–2, 3–4,
5–6, 7–8). A coalition keeps its segments' frames as they are and replaces the others by the video
spec's baseline (black frames, the Integrated Gradients baseline); the other present modalities
stay present in every coalition, so the values say which moments of the clip move the prediction
*given* the rest of the sample. All 2^K coalitions go through the model in one batch; efficiency
holds: the values add up to f(clip) - f(every segment at the baseline), on the target class's
probability and on its logit.

This complements the modality-level Shapley values (which remove the video with the absent mask):
those ask "what does the clip add?", these "which part of the clip adds it?".

A head over a frozen video encoder reads tokens in time order (one per frame for ``frames:``, one
per time step for Hugging Face video models): its segments are groups of those tokens, and an
absent one is the training set's mean embedding (the head's Integrated Gradients baseline).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fusion.explain.base import Explainer, select_modalities
from fusion.explain.shapley import MAX_PLAYERS, shapley_values
from fusion.modalities import get_modality

VIDEO = "video"
SEGMENTS = 4


def frame_segments(frames: int, segments: int) -> tuple[tuple[int, int], ...]:
    """``segments`` consecutive (start, stop) frame ranges covering ``frames`` frames, as even as possible."""
    if not 1 <= segments <= frames:
        raise ValueError(f"segments must be in 1..{frames} for a clip of {frames} frames (got {segments})")
    edges = np.linspace(0, frames, segments + 1).round().astype(int)
    return tuple((int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]))


@dataclass(frozen=True)
class TemporalShapleyResult:
    """Shapley values of frame segments for one sample and target class; ``values_*[k]`` belongs to
    ``segments[k]`` (frames ``start`` to ``stop - 1``) and they sum to ``full_* - empty_*``."""

    target: int
    segments: tuple[tuple[int, int], ...]
    values_probability: tuple[float, ...]
    values_logit: tuple[float, ...]
    full_probability: float
    empty_probability: float
    full_logit: float
    empty_logit: float
    baseline: str
    unit: str = "frames"  # what a segment groups: "frames", or a head's "tokens"

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``explain --json`` (``temporal_shapley``)."""
        return {"target": self.target, "segments": [list(s) for s in self.segments],
                "values": list(self.values_probability), "values_logit": list(self.values_logit),
                "value_full": self.full_probability, "value_empty": self.empty_probability,
                "logit_full": self.full_logit, "logit_empty": self.empty_logit, "baseline": self.baseline,
                "unit": self.unit}


class TemporalShapley(Explainer):
    """Exact Shapley values of ``segments`` groups of frames of the video (module docstring).

    ``attribute(inputs, target=None, present=None)``: ``inputs`` with batch dimension 1 whose video
    is ``[1, T, H, W]`` (a head's: ``[1, T, features + 1]``); fewer than ``segments`` time steps
    give one segment each; ``present`` (names or a mask) must include the video; ``target`` defaults
    to the class predicted for the sample as it is.
    """

    name = "Temporal Shapley values"

    def __init__(self, model: torch.nn.Module, segments: int = SEGMENTS) -> None:
        super().__init__(model)
        if VIDEO not in self.modalities:
            raise ValueError(f"{self.name}: the model reads {', '.join(self.modalities)}, not {VIDEO}")
        if not 1 <= int(segments) <= MAX_PLAYERS:
            raise ValueError(f"{self.name}: segments must be in 1..{MAX_PLAYERS} (got {segments})")
        self.segments = int(segments)

    def attribute(self, inputs: Mapping[str, Tensor], target: int | None = None,
                  present: Iterable[str] | Mapping[str, Any] | None = None) -> TemporalShapleyResult:
        self.check_eval_mode()
        self.check_inputs(inputs, batch=1)
        chosen = select_modalities(self.modalities, present)
        if VIDEO not in chosen:
            raise ValueError(f"{self.name}: the video is absent; there are no frames to attribute")
        clip = inputs[VIDEO]
        segments = frame_segments(int(clip.shape[1]), min(self.segments, int(clip.shape[1])))
        tokenizers = getattr(self.model, "tokenizers", {})
        if VIDEO in tokenizers and hasattr(tokenizers[VIDEO], "baseline"):  # a head: encoder tokens + mask channel
            baseline, description, unit = tokenizers[VIDEO].baseline(clip), "the training set's mean embedding", "tokens"
        else:
            spec = get_modality(VIDEO)
            baseline, description, unit = torch.full_like(clip, float(spec.ig_baseline_value or 0.0)), spec.ig_baseline, "frames"
        rows = 1 << len(segments)
        keep = torch.zeros(rows, clip.shape[1], dtype=torch.bool)  # [coalition, frame]: kept as it is
        for k, (start, stop) in enumerate(segments):
            keep[(torch.arange(rows) & (1 << k)) != 0, start:stop] = True
        shape = (rows, clip.shape[1], *[1] * (clip.dim() - 2))
        batch = {m: inputs[m].repeat(rows, *[1] * (inputs[m].dim() - 1)) for m in self.modalities}
        batch[VIDEO] = torch.where(keep.view(shape), clip.expand(rows, *clip.shape[1:]), baseline)
        mask = {m: torch.full((rows,), m in chosen, dtype=torch.bool) for m in self.modalities}
        logits, _ = self.forward_logits(batch, mask)
        probabilities = torch.softmax(logits, dim=-1)
        full = rows - 1
        target = int(logits[full].argmax()) if target is None else int(target)
        if not 0 <= target < logits.shape[-1]:
            raise ValueError(f"{self.name}: target {target} is not a class of this model (0..{logits.shape[-1] - 1})")
        phi_p = shapley_values(probabilities[:, target], len(segments))
        phi_l = shapley_values(logits[:, target], len(segments))
        return TemporalShapleyResult(
            target=target, segments=segments,
            values_probability=tuple(float(v) for v in phi_p), values_logit=tuple(float(v) for v in phi_l),
            full_probability=float(probabilities[full, target]), empty_probability=float(probabilities[0, target]),
            full_logit=float(logits[full, target]), empty_logit=float(logits[0, target]),
            baseline=description, unit=unit,
        )
