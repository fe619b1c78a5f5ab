"""Figures for heads over frozen encoders: per-token weights drawn on the encoder's token layout
(an image's patch grid over the picture, audio tokens along time, text tokens in order, a clip's
frame tokens over its frames: ``fusion.viz.video.frame_tokens_figure``).

Takes the ``layouts`` and per-token lists of a head's ``fusion.explain.analysis.explain_model`` result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from fusion.viz._plotly import go
from fusion.viz.explore import _gradient_hover, _layout, colour_bar
from fusion.viz.scales import (ATTENTION, ATTENTION_BAR, ATTRIBUTION_BAR, DIVERGING, DOWN, UP, attention_scale,
                               attention_title, gradient_title, symmetric_limit)


def picture_figure(image: np.ndarray, title: str = "image") -> go.Figure:
    """An RGB picture as it was given (uint8 ``[H, W, 3]``)."""
    figure = go.Figure(go.Image(z=np.asarray(image)))
    figure.update_xaxes(showticklabels=False)
    figure.update_yaxes(showticklabels=False, scaleanchor="x")
    return _layout(figure, title)


def _grid_over_image(figure: go.Figure, z: np.ndarray, image: np.ndarray | None, **heatmap: Any) -> None:
    """A ``[rows, cols]`` token grid stretched over the picture (or alone without one)."""
    rows, cols = z.shape
    if image is None:
        figure.add_trace(go.Heatmap(z=z, **heatmap))
        figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
        return
    height, width = np.asarray(image).shape[:2]
    figure.add_trace(go.Image(z=np.asarray(image)))
    # go.Image puts pixel centres at 0 .. W-1, so the picture spans -0.5 .. W-0.5
    figure.add_trace(go.Heatmap(z=z, x0=width / cols / 2 - 0.5, dx=width / cols, y0=height / rows / 2 - 0.5,
                                dy=height / rows, **heatmap))
    figure.update_yaxes(showticklabels=False, scaleanchor="x")


def token_weights_figure(
    values: Sequence[float], layout: Mapping[str, Any], title: str, image: np.ndarray | None = None, signed: bool = False,
    baseline: str | None = None, clip: np.ndarray | None = None,
) -> go.Figure | None:
    """Per-token ``values`` (attention when not ``signed``, attributions when ``signed``, whose
    hover names the IG ``baseline``) on the token layout, time-ordered tokens of a ``clip`` (decoded
    RGB frames) over its frames; None for a pooled embedding (one value: nothing to draw on the input)."""
    values = np.asarray(values, dtype=float)
    kind = layout.get("kind", "single")
    if kind == "single" or values.size == 0:
        return None
    if kind == "frames" and clip is not None:
        from fusion.viz.video import frame_tokens_figure

        return frame_tokens_figure(clip, values, title, signed, baseline)
    if signed:
        colours = dict(colorscale=DIVERGING, zmin=-symmetric_limit(values), zmax=symmetric_limit(values), colorbar=colour_bar(ATTRIBUTION_BAR),
                       hovertemplate=_gradient_hover(baseline))
    else:  # attention: 0..max, the title says how peaked it is (see ``attention_scale``)
        low, high = attention_scale(values)
        colours = dict(colorscale=ATTENTION, zmin=low, zmax=high, colorbar=colour_bar(ATTENTION_BAR))
        title = attention_title(title, values)
    figure = go.Figure()
    if kind == "grid" and layout.get("grid") and int(np.prod(layout["grid"])) == values.size:
        _grid_over_image(figure, values.reshape(layout["grid"]), image, showscale=True, opacity=0.75 if signed else 1.0, **colours)
        figure.update_xaxes(showticklabels=False)
        return _layout(figure, title)
    labels = list(layout.get("labels") or [])[: values.size]
    if kind == "frames" and layout.get("seconds"):
        labels = [f"{start:.1f} s" for start, _ in layout["seconds"][: values.size]]
    labels = [f"{i + 1}. {w}" for i, w in enumerate(labels)] if labels else [str(i + 1) for i in range(values.size)]
    if signed:
        figure.add_trace(go.Bar(x=labels, y=values, marker_color=[UP if v >= 0 else DOWN for v in values],
                                hovertemplate=_gradient_hover(baseline, "%{y:.4f}")))
    else:
        figure.add_trace(go.Bar(x=labels, y=values, marker_color="#FF5000"))
    figure.update_yaxes(title_text="attribution (logit)" if signed else "attention weight")
    figure.update_xaxes(type="category")
    return _layout(figure, title)


def head_result_figures(result: Mapping[str, Any], views: Mapping[str, Any] | None = None) -> dict[tuple[str, str], go.Figure | str]:
    """Attention and Integrated Gradients figures of one head's analysis, keyed by ("attention" or
    "gradients", modality), drawn over the sample's ``views`` (``fusion.explain.cases.sample_views``:
    the picture, the clip's frames); a pooled embedding's IG is a sentence (it has no map)."""
    items: dict[tuple[str, str], go.Figure | str] = {}
    views = views or {}
    for m, layout in result.get("layouts", {}).items():
        picture = views.get("image") if m == "image" else None
        clip = views.get("video") if m == "video" else None
        if m in result.get("attention", {}):
            figure = token_weights_figure(result["attention"][m], layout, f"attention on the {m} tokens", picture, clip=clip)
            if figure is not None:
                items[("attention", m)] = figure
        share = result.get("integrated_gradients", {}).get(m)
        attribution = result.get("integrated_gradients_maps", {}).get(m)
        baseline = result.get("integrated_gradients_baselines", {}).get(m)
        figure = None if attribution is None else token_weights_figure(attribution, layout, gradient_title(m, share), picture,
                                                                      signed=True, baseline=baseline, clip=clip)
        if figure is not None:
            items[("gradients", m)] = figure
        elif share is not None:
            items[("gradients", m)] = f"IG on {m} (pooled embedding): {share:.0%} of the attribution"
    return items
