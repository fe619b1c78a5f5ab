"""Figures of the Explore page: one sample's inputs, prediction, attention and attributions.

Pure Plotly (no Streamlit): every builder takes plain lists / arrays / the dict of
``fusion.explain.analysis.explain_model`` and returns a ``go.Figure`` of fixed height, so figures
in side-by-side columns line up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

HEIGHT = 260
PREDICTED, OTHER, TRUE = "#E45756", "#BAB0AC", "#222222"
UP, DOWN, TOTAL = "#4C9A2A", "#D62728", "#4C78A8"
DIVERGING = "RdBu_r"
ATTENTION = [[0.0, "rgba(255,80,0,0)"], [1.0, "rgba(255,80,0,0.7)"]]


def _layout(figure: go.Figure, title: str, height: int = HEIGHT, **kwargs: Any) -> go.Figure:
    figure.update_layout(
        title={"text": title, "font": {"size": 14}}, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        showlegend=False, **kwargs,
    )
    return figure


def _stretched(weights: Sequence | np.ndarray) -> np.ndarray:
    """Min-max scaled to [0, 1], so that a nearly flat map still shows where it peaks."""
    array = np.asarray(weights, dtype=float)
    span = float(array.max() - array.min()) if array.size else 0.0
    return (array - array.min()) / span if span > 0 else np.zeros_like(array)


def _symmetric(values: np.ndarray) -> float:
    peak = float(np.abs(values).max()) if values.size else 0.0
    return peak or 1.0


# ---------------------------------------------------------------------------------------- inputs
def image_figure(image: Sequence | np.ndarray, overlay: Sequence | np.ndarray | None = None, title: str = "image (8×8)") -> go.Figure:
    """The 8x8 image in gray; ``overlay`` (e.g. attention [8, 8]) as a translucent orange layer."""
    figure = go.Figure(go.Heatmap(z=np.asarray(image, dtype=float), colorscale="gray", zmin=0, zmax=1, showscale=False))
    if overlay is not None:
        figure.add_trace(go.Heatmap(z=_stretched(overlay), colorscale=ATTENTION, zmin=0, zmax=1, showscale=False, name="attention"))
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
    figure.update_xaxes(showticklabels=False, constrain="domain")
    return _layout(figure, title)


def spectrogram_figure(logmel: Sequence | np.ndarray, frame_weights: Sequence[float] | None = None, title: str = "log-mel spectrogram") -> go.Figure:
    """The log-mel spectrogram [32 mel bins, 60 frames]; ``frame_weights`` [60] drawn as a line over it."""
    z = np.asarray(logmel, dtype=float)
    figure = go.Figure(go.Heatmap(z=z, colorscale="Viridis", zmin=-1, zmax=1, showscale=False))
    if frame_weights is not None:
        weights = _stretched(frame_weights) * (z.shape[0] - 1)
        figure.add_trace(go.Scatter(y=weights, mode="lines", line={"color": "#FF5000", "width": 3}, name="attention"))
    figure.update_xaxes(title_text="frame (20 ms)")
    figure.update_yaxes(title_text="mel bin")
    return _layout(figure, title)


def token_figure(words: Sequence[str], weights: Sequence[float] | None = None, title: str = "text tokens") -> go.Figure:
    """The word tokens in a row of cells, shaded by ``weights`` (e.g. attention) when given."""
    z = _stretched(weights) if weights is not None else np.zeros(len(words))
    figure = go.Figure(go.Heatmap(
        z=[list(z)], text=[list(words)], texttemplate="%{text}", colorscale=ATTENTION if weights is not None else [[0, "#F2F2F2"], [1, "#F2F2F2"]],
        zmin=0, zmax=1, showscale=False, xgap=3,
    ))
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


def waterfall_parts(result: Mapping[str, Any]) -> tuple[list[str], list[str], list[float]]:
    """(labels, measures, values): the no-modality prior, each modality's Shapley value, the prediction."""
    modalities = sorted(result["shapley"])
    labels = ["no modality", *modalities, "all present"]
    measures = ["absolute", *["relative"] * len(modalities), "total"]
    values = [result["value_empty"], *[result["shapley"][m] for m in modalities], result["value_full"]]
    return labels, measures, [float(v) for v in values]


def shapley_waterfall(result: Mapping[str, Any], class_name: str) -> go.Figure:
    """Modality contributions to P(class): from the prior with no modality, through each modality's
    Shapley value, to the probability with all present (the parts add up exactly)."""
    labels, measures, values = waterfall_parts(result)
    text = [f"{values[0]:.2f}", *[f"{v:+.2f}" for v in values[1:-1]], f"{values[-1]:.2f}"]
    figure = go.Figure(go.Waterfall(
        x=labels, measure=measures, y=values, text=text, textposition="outside",
        increasing={"marker": {"color": UP}}, decreasing={"marker": {"color": DOWN}}, totals={"marker": {"color": TOTAL}},
        connector={"line": {"color": "#888", "width": 1}},
    ))
    top = max(1.0, *np.cumsum(values[:-1]))
    figure.update_yaxes(range=[min(0.0, *np.cumsum(values[:-1])) - 0.05, top + 0.15], title_text=f"P({class_name})")
    return _layout(figure, f"modality contributions to P({class_name}) (Shapley)")


# --------------------------------------------------------------------------- integrated gradients
def gradient_image_figure(attribution: Sequence | np.ndarray, share: float | None = None) -> go.Figure:
    """IG of the 8x8 pixels, diverging colours centred on 0 (red raises the class, blue lowers it)."""
    z = np.asarray(attribution, dtype=float)
    limit = _symmetric(z)
    figure = go.Figure(go.Heatmap(z=z, colorscale=DIVERGING, zmin=-limit, zmax=limit, showscale=False))
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
    figure.update_xaxes(showticklabels=False, constrain="domain")
    return _layout(figure, _gradient_title("image", share))


def gradient_spectrogram_figure(logmel: Sequence | np.ndarray, attribution: Sequence | np.ndarray, share: float | None = None) -> go.Figure:
    """IG of the log-mel bins [32, 60] over the spectrogram (gray underneath, diverging on top)."""
    z = np.asarray(attribution, dtype=float)
    limit = _symmetric(z)
    figure = go.Figure(go.Heatmap(z=np.asarray(logmel, dtype=float), colorscale="gray", zmin=-1, zmax=1, showscale=False))
    figure.add_trace(go.Heatmap(z=z, colorscale=DIVERGING, zmin=-limit, zmax=limit, opacity=0.75, showscale=False, name="IG"))
    figure.update_xaxes(title_text="frame (20 ms)")
    figure.update_yaxes(title_text="mel bin")
    return _layout(figure, _gradient_title("audio", share))


def gradient_words_figure(words: Sequence[str], attribution: Sequence[float], share: float | None = None) -> go.Figure:
    """IG per word: one bar each, green raises the class, red lowers it."""
    values = [float(v) for v in attribution]
    labels = [f"{i + 1}. {w}" for i, w in enumerate(words)]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=[UP if v >= 0 else DOWN for v in values], name="IG"))
    figure.update_xaxes(type="category")
    return _layout(figure, _gradient_title("text", share))


def _gradient_title(modality: str, share: float | None) -> str:
    return f"IG on {modality}" + (f" — {share:.0%} of the attribution" if share is not None else "")
