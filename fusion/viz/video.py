"""Figures of a video sample: its frames as a strip (one row, frame 1 on the left), alone or with
attention or Integrated Gradients drawn on each frame's patches, and the temporal Shapley values
of groups of frames. Pure Plotly; every figure states its scale.

The strip is one heatmap: the ``[T, H, W]`` frames side by side with a one-pixel gap (NaN) between
them, so overlays built from the same ``[T, H, W]`` maps land on the same pixels.

A dataset clip (RGB, ``fusion.video_io.decode_video_rgb``) is drawn as a picture strip instead: a
head over frame tokens has one value per token (per frame), so its attention, IG and segment
Shapley values colour whole frames, each token over the frame it was encoded from, with a colour
bar in the values' units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fusion.video_io import even_indices
from fusion.viz._plotly import go
from fusion.viz.explore import _gradient_hover, _layout
from fusion.viz.scales import (ATTENTION, ATTENTION_BAR, ATTRIBUTION_BAR, DIVERGING, DOWN, GAP, HEIGHT,  # noqa: F401
                               STRIP_HEIGHT, UP, attention_scale, attention_title, frame_centres, frame_shares,
                               map_spread, spread_text, strip, symmetric_limit)

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
    figure = _strip_figure(array, [f"{t + 1}: {s:.0%}" for t, s in enumerate(shares)], title)
    figure.update_xaxes(title_font_size=11, title_text=f"frame: share of the attention · colour 0..{high:.3g} "
                                                       f"({spread_text(weights)})")
    figure.add_trace(go.Heatmap(z=strip(weights), colorscale=ATTENTION, zmin=low, zmax=high, showscale=False,
                                hovertemplate="attention weight %{z:.4f}<extra></extra>", name="attention"))
    return figure


def gradient_strip_figure(frames: Sequence | np.ndarray, attribution: Sequence | np.ndarray, share: float | None = None,
                          baseline: str | None = None) -> go.Figure:
    """Integrated Gradients per pixel ``[T, H, W]`` over the frames: red raises the explained logit,
    blue lowers it, on a symmetric scale in logit units (its range stated under the strip; the hover
    names the baseline); each tick is that frame's summed IG."""
    array, values = np.asarray(frames, dtype=float), np.asarray(attribution, dtype=float)
    limit = symmetric_limit(values)
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


# ------------------------------------------------------------------ dataset clips (RGB frames)
THUMBNAIL = 96  # each frame's longer side in a picture strip, in pixels
PICTURE_GAP = 4  # white pixels between frames in a picture strip


def token_frames(clip: Sequence | np.ndarray, count: int) -> np.ndarray:
    """The frame of a decoded clip ``[N, H, W, 3]`` under each of ``count`` time-ordered tokens: the
    frame at the centre of each time slot, the very frames a ``frames:`` encoder reads (a Hugging
    Face model's token stands for its slot, drawn by its centre frame)."""
    array = np.asarray(clip)
    if array.ndim != 4 or not len(array) or count < 1:
        raise ValueError(f"a clip strip needs [frames, height, width, 3] RGB frames and a token count, got {array.shape}, {count}")
    return array[even_indices(len(array), count)]


def picture_strip(frames: Sequence | np.ndarray) -> np.ndarray:
    """RGB frames ``[T, H, W, 3]`` -> one uint8 picture ``[h, T * w + (T - 1) * PICTURE_GAP, 3]``,
    each frame scaled so that its longer side is ``THUMBNAIL`` pixels, white between them."""
    from PIL import Image

    array = np.asarray(frames, dtype=np.uint8)
    height, width = array.shape[1:3]
    scale = THUMBNAIL / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.NEAREST
    small = [np.asarray(Image.fromarray(frame).resize(size, resample)) for frame in array]
    out = np.full((size[1], len(small) * size[0] + (len(small) - 1) * PICTURE_GAP, 3), 255, dtype=np.uint8)
    for t, frame in enumerate(small):
        out[:, t * (size[0] + PICTURE_GAP): t * (size[0] + PICTURE_GAP) + size[0]] = frame
    return out


def _png(picture: np.ndarray) -> str:
    """A data URI (a strip as numbers would be megabytes of JSON; a PNG is a few kB)."""
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _picture_strip_figure(frames: np.ndarray, title: str, overlay: bool = False) -> tuple[go.Figure, int, int]:
    """(figure, frame width, frame height in the strip's pixels) with ``frames`` drawn in a row,
    kept at their aspect and pinned to the bottom of the plot, so that in a narrow column the ticks,
    the axis title and (with an ``overlay``) the horizontal colour bar sit right under the frames."""
    picture = picture_strip(frames)
    height, width = picture.shape[0], (picture.shape[1] - (len(frames) - 1) * PICTURE_GAP) // len(frames)
    figure = go.Figure(go.Image(source=_png(picture), hoverinfo="skip", name="frames"))
    figure.update_xaxes(showgrid=False, zeroline=False, range=[-0.5, picture.shape[1] - 0.5], constrain="domain",
                        tickangle=0, tickfont_size=10, title_font_size=11)
    figure.update_yaxes(scaleanchor="x", showticklabels=False, ticks="", showgrid=False, zeroline=False, constrain="domain",
                        constraintoward="bottom")
    if not overlay:
        return _layout(figure, title, height=STRIP_HEIGHT), width, height
    return _layout(figure, title, height=HEIGHT).update_layout(margin_b=95), width, height


def _strip_colour_bar(title: str) -> dict[str, Any]:
    """A horizontal colour bar with its unit, under the strip (a vertical one would be taller than it)."""
    return {"title": {"text": title, "side": "bottom", "font": {"size": 11}}, "orientation": "h", "thickness": 8,
            "len": 0.6, "x": 0.5, "xanchor": "center", "yref": "container", "y": 0.02, "yanchor": "bottom",
            "tickfont": {"size": 10}}


def _centre(t: float, width: int) -> float:
    return t * (width + PICTURE_GAP) + (width - 1) / 2


def clip_strip_figure(clip: Sequence | np.ndarray, count: int, title: str | None = None) -> go.Figure:
    """A dataset clip as ``count`` frames evenly over it, left to right in time (``token_frames``)."""
    frames = token_frames(clip, count)
    figure, width, _ = _picture_strip_figure(frames, title or f"video: {count} frames evenly over the clip, time →")
    figure.update_xaxes(tickvals=[_centre(t, width) for t in range(count)], ticktext=[f"frame {t + 1}" for t in range(count)])
    return figure


def _per_frame_overlay(figure: go.Figure, per_frame: np.ndarray, width: int, height: int, **heatmap: Any) -> None:
    """One value per frame as a translucent layer over that whole frame (NaN over the gaps)."""
    row = np.full(len(per_frame) * (width + PICTURE_GAP) - PICTURE_GAP, np.nan)
    for t, value in enumerate(per_frame):
        row[t * (width + PICTURE_GAP): t * (width + PICTURE_GAP) + width] = value
    figure.add_trace(go.Heatmap(z=[row], x0=0, dx=1, y0=(height - 1) / 2, dy=height, showscale=True, **heatmap))


def frame_tokens_figure(clip: Sequence | np.ndarray, values: Sequence[float], title: str, signed: bool = False,
                        baseline: str | None = None) -> go.Figure:
    """A head's value per frame token over the token's frame: attention (``signed`` False) in
    translucent orange from 0 to the map's largest weight, each tick that frame's share and the
    title how peaked the map is; IG (``signed``) red up / blue down on a symmetric logit scale, each
    tick the frame's attribution (its hover names the baseline). The colour bar has the units."""
    weights = np.asarray(values, dtype=float)
    frames = token_frames(clip, weights.size)
    if signed:
        limit = symmetric_limit(weights)
        ticks = [f"{t + 1}: {v:+.2f}" for t, v in enumerate(weights)]
        colours = dict(colorscale=DIVERGING, zmin=-limit, zmax=limit, opacity=0.7, colorbar=_strip_colour_bar(ATTRIBUTION_BAR),
                       hovertemplate=_gradient_hover(baseline), name="IG")
    else:
        low, high = attention_scale(weights)
        title = attention_title(title, weights)
        ticks = [f"{t + 1}: {s:.0%}" for t, s in enumerate(frame_shares(weights[:, None, None]))]
        colours = dict(colorscale=ATTENTION, zmin=low, zmax=high, colorbar=_strip_colour_bar(ATTENTION_BAR), name="attention",
                       hovertemplate="attention weight %{z:.4f}<extra></extra>")
    figure, width, height = _picture_strip_figure(frames, title, overlay=True)
    _per_frame_overlay(figure, weights, width, height, **colours)
    figure.update_xaxes(tickvals=[_centre(t, width) for t in range(len(frames))], ticktext=ticks,
                        title_text="frame token: " + ("attribution (logit)" if signed else "share of the attention"))
    return figure


def segments_strip_figure(clip: Sequence | np.ndarray, temporal: Mapping[str, Any], class_name: str) -> go.Figure:
    """A head's Shapley values of groups of frame tokens for P(class), each segment's value colouring
    its frames (ΔP on a symmetric scale; a tick per segment gives its value; they add up to the
    difference stated under the strip)."""
    segments = [(int(a), int(b)) for a, b in temporal["segments"]]
    values = np.asarray([float(v) for v in temporal["values"]])
    per_frame = np.concatenate([np.full(stop - start, v) for (start, stop), v in zip(segments, values)])
    frames = token_frames(clip, per_frame.size)
    limit = max(float(np.abs(values).max()), 1e-6)
    unit = temporal.get("unit", "frames")
    figure, width, height = _picture_strip_figure(frames, f"frames' contributions to P({class_name}) (Shapley)", overlay=True)
    _per_frame_overlay(figure, per_frame, width, height, colorscale=DIVERGING, zmin=-limit, zmax=limit, opacity=0.7,
                       colorbar=_strip_colour_bar(f"ΔP({class_name}) (Shapley; ±max)"), name="Shapley value",
                       hovertemplate="ΔP %{z:+.3f}<extra></extra>")
    labels = [f"{a + 1}–{b}: {v:+.2f}" if b - a > 1 else f"{b}: {v:+.2f}" for (a, b), v in zip(segments, values)]
    figure.update_xaxes(tickvals=[_centre((a + b - 1) / 2, width) for a, b in segments], ticktext=labels,
                        title_text=f"{unit}: ΔP · P = {temporal['value_empty']:.2f} with {temporal['baseline']} → "
                                   f"{temporal['value_full']:.2f}")
    return figure
