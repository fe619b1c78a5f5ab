"""Figures of the Explore page: one sample's inputs, prediction, attention and attributions.

Pure Plotly (no Streamlit): every builder takes plain lists / arrays / the dict of
``fusion.explain.analysis.explain_model`` and returns a ``go.Figure`` of fixed height, so figures
in side-by-side columns line up.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fusion.viz._plotly import go
from fusion.viz.scales import (  # noqa: F401  (re-exported: the charts' numbers live there)
    ATTENTION, ATTENTION_BAR, ATTRIBUTION_BAR, DIVERGING, DOWN, HEIGHT, OTHER, PREDICTED, SHAPLEY_SCALES, TOTAL, TRUE, UP, attention_scale, attention_title, gradient_title, map_spread, shapley_title, symmetric_limit, waterfall_parts)


# Plotly never wraps a title: one wider than its chart is cut at the chart's edge. Side by side, a
# chart is about 260 px wide in a 1280 px window (340 px in 1500 px, where 53 characters fit), so
# some 40 characters of the 14 px title.
TITLE_LINE = 40


def wrapped(title: str, width: int = TITLE_LINE) -> str:
    """``title`` in lines (Plotly's ``<br>``) of at most ``width`` characters where words allow: a long
    one breaks after its dash first ("attention on the image —" / "max 2.2× uniform, …"), then at spaces."""
    if len(title) <= width:
        return title
    head, dash, tail = title.partition(" — ")
    parts = [head + dash.rstrip(), tail] if dash else [title]
    return "<br>".join(line for part in parts
                       for line in textwrap.wrap(part, width, break_long_words=False, break_on_hyphens=False))


def one_line(text: str) -> str:
    """A title as one line of text again (what ``wrapped`` broke, joined by spaces)."""
    return text.replace("<br>", " ")


TITLE_LINE_PX = 18  # each further line of a title makes the figure this much taller, not its plot smaller


def _layout(figure: go.Figure, title: str, height: int = HEIGHT, **kwargs: Any) -> go.Figure:
    """Title, fixed height and margins; ``height`` is that of a one-line title, so a chart's plot
    is as large whatever its title's length (a half-height token row stays readable)."""
    text = wrapped(title)
    extra = TITLE_LINE_PX * text.count("<br>")
    figure.update_layout(
        title={"text": text, "font": {"size": 14}}, height=height + extra,
        margin={"l": 10, "r": 10, "t": 40 + extra, "b": 10}, showlegend=False, **kwargs,
    )
    return figure


def colour_bar(title: str) -> dict[str, Any]:
    """A slim colour bar with its unit."""
    return {"title": {"text": title, "side": "right"}, "thickness": 10, "len": 0.9}


# ---------------------------------------------------------------------------------------- inputs
def image_figure(image: Sequence | np.ndarray, overlay: Sequence | np.ndarray | None = None, title: str = "image (8×8)") -> go.Figure:
    """The 8x8 image in gray; ``overlay`` (attention weights [8, 8]) as a translucent orange layer
    on a 0..max scale with its colour bar; the title says how peaked it is."""
    figure = go.Figure(go.Heatmap(z=np.asarray(image, dtype=float), colorscale="gray", zmin=0, zmax=1, showscale=False,
                                  hovertemplate="pixel %{z:.2f}<extra></extra>"))
    if overlay is not None:
        weights = np.asarray(overlay, dtype=float)
        low, high = attention_scale(weights)
        figure.add_trace(go.Heatmap(z=weights, colorscale=ATTENTION, zmin=low, zmax=high, showscale=True,
                                    colorbar=colour_bar(ATTENTION_BAR), name="attention",
                                    hovertemplate="attention weight %{z:.4f}<extra></extra>"))
        title = attention_title(title, weights)
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
    figure.update_xaxes(showticklabels=False, constrain="domain")
    return _layout(figure, title)


def spectrogram_figure(logmel: Sequence | np.ndarray, frame_weights: Sequence[float] | None = None, title: str = "log-mel spectrogram") -> go.Figure:
    """The log-mel spectrogram [32 mel bins, 60 frames]; ``frame_weights`` [60] drawn as a line on
    its own axis (right) in attention weight, from 0 to the largest weight."""
    z = np.asarray(logmel, dtype=float)
    figure = go.Figure(go.Heatmap(z=z, colorscale="Viridis", zmin=-1, zmax=1, showscale=False,
                                  hovertemplate="frame %{x}, mel %{y}: %{z:.2f}<extra></extra>"))
    if frame_weights is not None:
        weights = np.asarray(frame_weights, dtype=float)
        low, high = attention_scale(weights)
        figure.add_trace(go.Scatter(y=weights, mode="lines", line={"color": "#FF5000", "width": 3}, name="attention",
                                    yaxis="y2", hovertemplate="frame %{x}: attention weight %{y:.4f}<extra></extra>"))
        figure.update_layout(yaxis2={"title": {"text": "attention weight"}, "overlaying": "y", "side": "right",
                                     "range": [low, high * 1.05], "showgrid": False,
                                     "tickmode": "auto", "nticks": 4})  # its own round ticks, not the mel bins
        title = attention_title(title, weights)
    figure.update_xaxes(title_text="frame (20 ms)")
    figure.update_layout(yaxis_title_text="mel bin")  # the first axis only (the weights keep theirs)
    return _layout(figure, title)


def token_figure(words: Sequence[str], weights: Sequence[float] | None = None, title: str = "text tokens") -> go.Figure:
    """The word tokens in a row of cells, shaded by ``weights`` (attention, 0..max with a colour
    bar) when given."""
    if weights is None:
        figure = go.Figure(go.Heatmap(z=[[0.0] * len(words)], text=[list(words)], texttemplate="%{text}",
                                      colorscale=[[0, "#F2F2F2"], [1, "#F2F2F2"]], zmin=0, zmax=1, showscale=False, xgap=3,
                                      hoverinfo="skip"))
    else:
        z = np.asarray(weights, dtype=float)
        low, high = attention_scale(z)
        figure = go.Figure(go.Heatmap(z=[list(z)], text=[list(words)], texttemplate="%{text}", colorscale=ATTENTION,
                                      zmin=low, zmax=high, showscale=True, colorbar=colour_bar("attention weight"), xgap=3,
                                      hovertemplate="%{text}: attention weight %{z:.4f}<extra></extra>"))
        title = attention_title(title, z)
    figure.update_xaxes(showticklabels=False)
    figure.update_yaxes(showticklabels=False)
    return _layout(figure, title, height=HEIGHT // 2)


# ------------------------------------------------------------------------------------ prediction
def probabilities_figure(probabilities: Sequence[float], predicted: int, names: Sequence[str], label: int | None = None, title: str = "probabilities") -> go.Figure:
    """Bars per class, the predicted class highlighted; the true label (when known) marked with ▼."""
    colours = [PREDICTED if i == predicted else OTHER for i in range(len(probabilities))]
    figure = go.Figure(go.Bar(x=list(names), y=list(probabilities), marker_color=colours, name="probability"))
    if label is not None:
        figure.add_trace(go.Scatter(
            x=[names[label]], y=[min(1.0, probabilities[label] + 0.08)], mode="markers+text", text=["true"],
            textposition="top center", marker={"symbol": "triangle-down", "size": 12, "color": TRUE}, name="true label",
        ))
    figure.update_yaxes(range=[0, 1.15], title_text="probability")
    figure.update_xaxes(type="category")
    return _layout(figure, title)


def shapley_waterfall(result: Mapping[str, Any], class_name: str, scale: str = "probability") -> go.Figure:
    """Modality contributions to P(class) (or log P(class), ``scale="log_probability"``): from the
    prior with no modality, through each modality's Shapley value, to the value with all present
    (the parts add up exactly)."""
    labels, measures, values = waterfall_parts(result, scale)
    title, axis = shapley_title(class_name, scale)
    text = [f"{values[0]:.2f}", *[f"{v:+.2f}" for v in values[1:-1]], f"{values[-1]:.2f}"]
    figure = go.Figure(go.Waterfall(
        x=labels, measure=measures, y=values, text=text, textposition="outside",
        increasing={"marker": {"color": UP}}, decreasing={"marker": {"color": DOWN}}, totals={"marker": {"color": TOTAL}},
        connector={"line": {"color": "#888", "width": 1}},
    ))
    path = np.cumsum(values[:-1])
    if scale == "probability":
        figure.update_yaxes(range=[min(0.0, *path) - 0.05, max(1.0, *path) + 0.15], title_text=axis)
    else:  # log-probabilities are <= 0: the axis ends at 0 (certainty)
        low = min(*path, values[-1])
        figure.update_yaxes(range=[low * 1.15 - 0.1, max(0.0, *path) + 0.1 * (1 - low)], title_text=axis)
    return _layout(figure, title)


# --------------------------------------------------------------------------- integrated gradients
def gradient_image_figure(attribution: Sequence | np.ndarray, share: float | None = None, baseline: str | None = None) -> go.Figure:
    """IG of the 8x8 pixels, diverging colours centred on 0 (red raises the class, blue lowers it),
    with a colour bar in attribution units; the hover names the baseline."""
    z = np.asarray(attribution, dtype=float)
    limit = symmetric_limit(z)
    figure = go.Figure(go.Heatmap(z=z, colorscale=DIVERGING, zmin=-limit, zmax=limit, showscale=True,
                                  colorbar=colour_bar(ATTRIBUTION_BAR), hovertemplate=_gradient_hover(baseline)))
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
    figure.update_xaxes(showticklabels=False, constrain="domain")
    return _layout(figure, gradient_title("image", share))


def gradient_spectrogram_figure(logmel: Sequence | np.ndarray, attribution: Sequence | np.ndarray, share: float | None = None,
                                baseline: str | None = None) -> go.Figure:
    """IG of the log-mel bins [32, 60] over the spectrogram (gray underneath, diverging on top,
    with a colour bar in attribution units)."""
    z = np.asarray(attribution, dtype=float)
    limit = symmetric_limit(z)
    figure = go.Figure(go.Heatmap(z=np.asarray(logmel, dtype=float), colorscale="gray", zmin=-1, zmax=1, showscale=False,
                                  hoverinfo="skip"))
    figure.add_trace(go.Heatmap(z=z, colorscale=DIVERGING, zmin=-limit, zmax=limit, opacity=0.75, showscale=True,
                                colorbar=colour_bar(ATTRIBUTION_BAR), name="IG", hovertemplate=_gradient_hover(baseline)))
    figure.update_xaxes(title_text="frame (20 ms)")
    figure.update_yaxes(title_text="mel bin")
    return _layout(figure, gradient_title("audio", share))


def gradient_words_figure(words: Sequence[str], attribution: Sequence[float], share: float | None = None,
                          baseline: str | None = None) -> go.Figure:
    """IG per word: one bar each, green raises the class, red lowers it (axis in attribution units)."""
    values = [float(v) for v in attribution]
    labels = [f"{i + 1}. {w}" for i, w in enumerate(words)]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=[UP if v >= 0 else DOWN for v in values], name="IG",
                              hovertemplate=_gradient_hover(baseline, "%{y:.4f}")))
    figure.update_xaxes(type="category")
    figure.update_yaxes(title_text="attribution (logit)")
    return _layout(figure, gradient_title("text", share))


def _gradient_hover(baseline: str | None, value: str = "%{z:.4f}") -> str:
    """Hover text of an IG map: the attribution and, when known, what it is measured from."""
    return f"attribution {value} logit" + (f"<br>from the baseline: {baseline}" if baseline else "") + "<extra></extra>"
