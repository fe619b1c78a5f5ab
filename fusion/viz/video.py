"""Figures of a video sample: its frames as a strip (one row, frame 1 on the left), alone or with
attention or Integrated Gradients drawn on each frame's patches, and the temporal Shapley values
of groups of frames. Pure Plotly; every figure states its scale.

The strip is one heatmap: the ``[T, H, W]`` frames side by side with a one-pixel gap (NaN) between
them, so overlays built from the same ``[T, H, W]`` maps land on the same pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from fusion.viz.explore import (ATTENTION, DIVERGING, DOWN, HEIGHT, UP, _gradient_hover, _layout, _symmetric,
                                attention_scale, map_spread)

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


def _strip_figure(frames: np.ndarray, labels: Sequence[str], title: str) -> go.Figure:
    count, height, width = frames.shape
    figure = go.Figure(go.Heatmap(z=strip(frames), colorscale="gray", zmin=0, zmax=1, showscale=False,
                                  hovertemplate="grey %{z:.2f}<extra></extra>", name="frames"))
    figure.update_xaxes(tickvals=frame_centres(count, width), ticktext=list(labels), showgrid=False, zeroline=False)
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False, showgrid=False, zeroline=False)
    return _layout(figure, title, height=STRIP_HEIGHT)


def frame_strip_figure(frames: Sequence | np.ndarray, title: str | None = None) -> go.Figure:
    """What the models see of a clip: each frame in grey (0 black to 1 white), left to right in time."""
    array = np.asarray(frames, dtype=float)
    count, height, width = array.shape
    title = title or f"video: {count} frames of {height}×{width} px, grey 0 (black) to 1 (white), time →"
    return _strip_figure(array, [f"frame {t + 1}" for t in range(count)], title)


def attention_strip_figure(frames: Sequence | np.ndarray, attention: Sequence | np.ndarray, title: str = "attention on the frames") -> go.Figure:
    """Attention ``[T, H, W]`` (each patch's weight on its pixels) in translucent orange over the
    frames, coloured from 0 to the map's largest weight (as every attention map); each frame's tick
    says its share of the attention on the clip, and the axis how peaked the map is."""
    array, weights = np.asarray(frames, dtype=float), np.asarray(attention, dtype=float)
    shares = frame_shares(weights)
    low, high = attention_scale(weights)
    ratio, entropy = map_spread(weights)
    figure = _strip_figure(array, [f"{t + 1}: {s:.0%}" for t, s in enumerate(shares)], title)
    figure.update_xaxes(title_font_size=11, title_text=f"frame: share of the attention · colour 0..{high:.3g} "
                                                       f"(max {ratio:.1f}× uniform, entropy {entropy:.2f})")
    figure.add_trace(go.Heatmap(z=strip(weights), colorscale=ATTENTION, zmin=low, zmax=high, showscale=False,
                                hovertemplate="attention weight %{z:.4f}<extra></extra>", name="attention"))
    return figure


def gradient_strip_figure(frames: Sequence | np.ndarray, attribution: Sequence | np.ndarray, share: float | None = None,
                          baseline: str | None = None) -> go.Figure:
    """Integrated Gradients per pixel ``[T, H, W]`` over the frames: red raises the explained logit,
    blue lowers it, on a symmetric scale in logit units (its range stated under the strip; the hover
    names the baseline); each tick is that frame's summed IG."""
    array, values = np.asarray(frames, dtype=float), np.asarray(attribution, dtype=float)
    limit = _symmetric(values)
    sums = values.sum(axis=(1, 2))
    title = "IG on video" + (f" — {share:.0%} of the attribution" if share is not None else "")
    figure = _strip_figure(array, [f"{t + 1}: {s:+.2f}" for t, s in enumerate(sums)], title)
    figure.update_xaxes(title_text=f"frame: summed IG (logit); colour: blue −{limit:.3g} to red +{limit:.3g} logit per pixel",
                        title_font_size=11)
    figure.add_trace(go.Heatmap(z=strip(values), colorscale=DIVERGING, zmin=-limit, zmax=limit, opacity=0.75, name="IG",
                                showscale=False, hovertemplate=_gradient_hover(baseline)))
    return figure


def temporal_shapley_figure(temporal: Mapping[str, Any], class_name: str) -> go.Figure:
    """Shapley values of groups of frames for P(class): one bar per segment ("frames 1–2"), from
    the clip with every segment replaced by the baseline to the clip as it is (they add up to the
    difference, stated under the bars)."""
    unit = temporal.get("unit", "frames")
    labels = [f"{unit} {start + 1}–{stop}" if stop - start > 1 else f"{unit[:-1]} {stop}" for start, stop in temporal["segments"]]
    values = [float(v) for v in temporal["values"]]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=[UP if v >= 0 else DOWN for v in values],
                              text=[f"{v:+.2f}" for v in values], textposition="outside", name="Shapley value"))
    peak = max([abs(v) for v in values] + [0.05])
    figure.update_yaxes(range=[-peak * 1.3, peak * 1.3], title_text=f"ΔP({class_name})", zeroline=True)
    figure.update_xaxes(type="category", title_font_size=11,
                        title_text=f"P = {temporal['value_empty']:.2f} with {temporal['baseline']} → "
                                   f"{temporal['value_full']:.2f} with the clip")
    return _layout(figure, f"frames' contributions to P({class_name}) (Shapley)", height=HEIGHT)
