"""The numbers Explore's charts state, shared by the Plotly charts (``fusion.viz.explore``,
``fusion.viz.video``) and their pictures (``fusion.viz.raster``): colours, heights, each map's colour
range and how peaked it is, the Shapley waterfall's parts and the titles. No Plotly here, so the
pictures never import it (nor pandas, which Plotly needs first: ``fusion.viz._plotly``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

HEIGHT = 260
PREDICTED, OTHER, TRUE = "#E45756", "#BAB0AC", "#222222"
UP, DOWN, TOTAL = "#4C9A2A", "#D62728", "#4C78A8"
DIVERGING = "RdBu_r"
ATTENTION = [[0.0, "rgba(255,80,0,0)"], [1.0, "rgba(255,80,0,0.7)"]]
ATTENTION_BAR = "attention weight (0..max of this map)"
ATTRIBUTION_BAR = "attribution (logit; ±max of this map)"


def map_spread(weights: Sequence | np.ndarray) -> tuple[float, float]:
    """(max / uniform, normalised entropy) of a non-negative map: how far from flat it is.

    ``max / uniform`` is the largest weight over the mean weight (1 for a flat map, the number of
    cells for a one-hot map); the entropy of the map normalised to a distribution, over log(cells)
    (1 flat, 0 one-hot). Both are unchanged when a token's weight is copied onto its pixels.
    """
    array = np.clip(np.asarray(weights, dtype=float).reshape(-1), 0.0, None)
    total = float(array.sum())
    if array.size < 2 or total <= 0:
        return 1.0, 1.0
    p = array / total
    entropy = float(-(p[p > 0] * np.log(p[p > 0])).sum() / np.log(array.size))
    return float(array.max() / array.mean()), entropy


def spread_text(weights: Sequence | np.ndarray) -> str:
    """How peaked a map is, in words: its largest weight over the uniform one and its normalised
    entropy, rounded down, so that only a flat map reads "entropy 1.00" (0.996 reads 0.99)."""
    ratio, entropy = map_spread(weights)
    return f"max {ratio:.1f}× uniform, entropy {math.floor(entropy * 100 + 1e-9) / 100:.2f}"


def attention_title(title: str, weights: Sequence | np.ndarray) -> str:
    """``title`` with how peaked the map is (a flat map says so in its title)."""
    return f"{title} — {spread_text(weights)}"


def attention_scale(weights: Sequence | np.ndarray) -> tuple[float, float]:
    """The colour range of an attention map: 0 to its largest weight.

    Why 0..max (not min..max, not one scale for every model): attention weights are non-negative
    with a meaningful zero, so anchoring the colour at 0 keeps their ratios: a flat map (every
    weight near 1/T) is evenly bright, a peaked one shows its few bright cells. The old min-max
    stretch made a map with max/min 1.3 look as peaked as one with 10^3. A scale shared across
    strategies would not compare like with like either: their maps spread over different numbers
    of tokens (the uniform level 1/T differs), so each map keeps its own 0..max, the colour bar
    gives its weights, and the title gives the scale-free max/uniform ratio and entropy.
    """
    peak = float(np.max(weights)) if np.size(weights) else 0.0
    return 0.0, (peak if peak > 0 else 1.0)


def symmetric_limit(values: np.ndarray) -> float:
    """The colour range of an attribution map: -max|a| .. +max|a| (0 stays white)."""
    peak = float(np.abs(values).max()) if values.size else 0.0
    return peak or 1.0


SHAPLEY_SCALES = {
    # scale: (values key, empty key, full key, how the axis reads)
    "probability": ("shapley", "value_empty", "value_full", "P({})"),
    "log_probability": ("shapley_log_probability", "log_probability_empty", "log_probability_full", "log P({})"),
}


def waterfall_parts(result: Mapping[str, Any], scale: str = "probability") -> tuple[list[str], list[str], list[float]]:
    """(labels, measures, values): the no-modality prior, each modality's Shapley value, the prediction."""
    values_key, empty_key, full_key, _ = SHAPLEY_SCALES[scale]
    modalities = sorted(result[values_key])
    labels = ["no modality", *modalities, "all present"]
    measures = ["absolute", *["relative"] * len(modalities), "total"]
    values = [result[empty_key], *[result[values_key][m] for m in modalities], result[full_key]]
    return labels, measures, [float(v) for v in values]


def shapley_title(class_name: str, scale: str = "probability") -> tuple[str, str]:
    """(title, value axis) of the Shapley waterfall of ``class_name`` on ``scale``."""
    axis = SHAPLEY_SCALES[scale][3].format(class_name)
    return f"modality contributions to {axis} (Shapley)", axis


def gradient_title(modality: str, share: float | None) -> str:
    return f"IG on {modality}" + (f" — {share:.0%} of the attribution" if share is not None else "")


# ----------------------------------------------------------------------------- video strips
GAP = 1  # pixels between frames in the strip
STRIP_HEIGHT = 200


def strip(frames: Sequence | np.ndarray) -> np.ndarray:
    """``[T, H, W]`` -> ``[H, T * W + (T - 1) * GAP]``: the frames in a row, NaN between them."""
    array = np.asarray(frames, dtype=float)
    if array.ndim != 3 or not array.shape[0]:
        raise ValueError(f"a frame strip needs [frames, height, width] values, got shape {array.shape}")
    count, height, width = array.shape
    out = np.full((height, count * width + (count - 1) * GAP), np.nan)
    for t in range(count):
        out[:, t * (width + GAP): t * (width + GAP) + width] = array[t]
    return out


def frame_centres(count: int, width: int) -> list[float]:
    """The x coordinate of each frame's centre in the strip."""
    return [t * (width + GAP) + (width - 1) / 2 for t in range(count)]


def frame_shares(values: Sequence | np.ndarray) -> np.ndarray:
    """Each frame's part of a ``[T, H, W]`` map's total (absolute values; equal parts when all are 0)."""
    totals = np.abs(np.asarray(values, dtype=float)).sum(axis=(1, 2))
    total = float(totals.sum())
    return totals / total if total > 0 else np.full(len(totals), 1.0 / len(totals))
