"""Figures for the Compare page: pure Plotly builders (no Streamlit, no models), fed plain numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from fusion.viz._plotly import go
from plotly.subplots import make_subplots

from fusion.viz.architecture import MODALITY_COLOURS

FUSION_COLOUR = "#4C78A8"
BASELINE_COLOUR = "#F58518"
# One colour per model name, stable across figures (names not listed cycle through the rest).
MODEL_COLOURS = {
    "early": "#4C78A8",
    "late": "#54A24B",
    "hybrid": "#B279A2",
    "audio": "#F58518",
    "image": "#E45756",
    "text": "#9D755D",
}
_EXTRA = ("#72B7B2", "#EECA3B", "#FF9DA6", "#BAB0AC")
# "without image" in the image's colour, as on every page (the modality specs' colours); all present in grey
MISSING_COLOURS = {"all present": "#8C8C8C", **MODALITY_COLOURS}


def model_colour(name: str, index: int = 0) -> str:
    return MODEL_COLOURS.get(name, _EXTRA[index % len(_EXTRA)])


def _layout(fig: go.Figure, title: str, **extra) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", margin=dict(l=40, r=20, t=60, b=40), **extra)
    return fig


def _kind_bars(
    values: Mapping[str, float], kinds: Mapping[str, str], text_format: str, title: str, axis: str
) -> go.Figure:
    """One bar trace per kind (fusion strategy / unimodal baseline), so the legend explains colours."""
    fig = go.Figure()
    colours = {"fusion strategy": FUSION_COLOUR, "unimodal baseline": BASELINE_COLOUR}
    for kind in dict.fromkeys(kinds.get(n, "fusion strategy") for n in values):
        names = [n for n in values if kinds.get(n, "fusion strategy") == kind]
        ys = [values[n] for n in names]
        fig.add_bar(
            x=names, y=ys, name=kind, marker_color=colours.get(kind, _EXTRA[0]),
            text=[format(y, text_format) for y in ys], textposition="outside",
        )
    return _layout(fig, title, yaxis_title=axis, xaxis_title="model", legend_title_text="")


def accuracy_bars(accuracy: Mapping[str, float], kinds: Mapping[str, str], chance: float | None = None,
                  title: str = "Test accuracy (standard corruption)") -> go.Figure:
    """Test accuracy per model; fusion strategies and unimodal baselines in different colours."""
    fig = _kind_bars(accuracy, kinds, ".1%", title, "accuracy")
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%")
    if chance is not None:
        fig.add_hline(y=chance, line_dash="dash", line_color="grey", annotation_text="chance", annotation_position="top left")
    return fig


def confusion_heatmap(matrix: np.ndarray | Sequence[Sequence[int]], labels: Sequence[str], model: str) -> go.Figure:
    """Counts with true class on the rows and predicted class on the columns, values written in cells."""
    z = np.asarray(matrix)
    names = [str(label) for label in labels]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=names, y=names, colorscale="Blues", text=z, texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>", colorbar=dict(title="count"),
        )
    )
    fig.update_yaxes(autorange="reversed", title="true class", type="category")
    fig.update_xaxes(title="predicted class", type="category")
    return _layout(fig, f"Confusion matrix — {model} (test split)")


def robustness_curves(
    levels: Sequence[float],
    curves: Mapping[str, Mapping[str, Sequence[float]]],
    modalities: Sequence[str],
    chance: float | None = None,
) -> go.Figure:
    """Accuracy as one modality's corruption rises (the others at the standard level): one subplot
    per modality, one line per model that reads it, and a dashed chance line in each subplot."""
    modalities = list(modalities)
    fig = make_subplots(rows=1, cols=len(modalities), subplot_titles=[f"corrupting {m}" for m in modalities],
                        shared_yaxes=True)
    shown: set[str] = set()  # one legend entry per model
    for col, modality in enumerate(modalities, start=1):
        for index, (name, per_modality) in enumerate(curves.items()):
            if modality not in per_modality:
                continue
            fig.add_scatter(
                x=list(levels), y=list(per_modality[modality]), mode="lines+markers", name=name,
                legendgroup=name, showlegend=name not in shown,
                line=dict(color=model_colour(name, index)), row=1, col=col,
            )
            shown.add(name)
        if chance is not None:
            fig.add_scatter(
                x=[min(levels), max(levels)], y=[chance, chance], mode="lines", name="chance",
                legendgroup="chance", showlegend=col == 1, line=dict(color="grey", dash="dash"), row=1, col=col,
            )
        fig.update_xaxes(title_text="corruption level", row=1, col=col)
    fig.update_yaxes(title_text="accuracy", range=[0, 1.05], tickformat=".0%", row=1, col=1)
    return _layout(fig, "Robustness: accuracy vs corruption of one modality")


def missing_bars(full: Mapping[str, float], missing: Mapping[str, Mapping[str, float]], modalities: Sequence[str]) -> go.Figure:
    """Grouped bars per model: accuracy with every modality present, then without each modality."""
    fig = go.Figure()
    names = list(full)
    fig.add_bar(x=names, y=[full[n] for n in names], name="all present", marker_color=MISSING_COLOURS["all present"],
                text=[f"{full[n]:.0%}" for n in names], textposition="outside")
    for modality in modalities:
        ys = [missing.get(n, {}).get(modality) for n in names]
        fig.add_bar(
            x=names, y=ys, name=f"without {modality}", marker_color=MISSING_COLOURS.get(modality, _EXTRA[0]),
            text=["" if y is None else f"{y:.0%}" for y in ys], textposition="outside",
        )
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%")
    return _layout(fig, "Missing modality: accuracy with one modality absent", barmode="group",
                   yaxis_title="accuracy", xaxis_title="model")


EMAP_SCALES = ("probability", "log_probability", "logit")  # fusion.explain.interactions.SCALES (viz stays torch-free)


def scale_name(scale: str) -> str:
    """``log_probability`` -> "log-probability"; ``logit`` -> "raw logit"."""
    return {"logit": "raw logit"}.get(scale, scale.replace("_", "-"))


def emap_bars(shares: Mapping[str, float], scale: str = "probability") -> go.Figure:
    """EMAP non-additive share per fusion strategy on ``scale`` (0 = on that scale, image and audio
    contributions simply add up; the share depends on the scale, so the title states it)."""
    names = list(shares)
    ys = [shares[n] for n in names]
    fig = go.Figure(
        go.Bar(x=names, y=ys, marker_color=[model_colour(n, i) for i, n in enumerate(names)],
               text=[f"{y:.1%}" for y in ys], textposition="outside", name="non-additive share")
    )
    top = max([0.0, *ys])
    fig.update_yaxes(range=[0, max(0.05, top * 1.25)], tickformat=".0%")
    return _layout(fig, f"Cross-modal interaction (EMAP, image × audio) on the {scale_name(scale)} scale",
                   xaxis_title="fusion strategy", yaxis_title=f"non-additive share of {scale_name(scale)} variance")


def cost_scatter(rows: Sequence[Mapping], cost: str = "FLOPs") -> go.Figure:
    """Accuracy against cost per sample, one point per model (``rows``: the comparison table)."""
    fig = go.Figure()
    for index, row in enumerate(rows):
        fig.add_scatter(
            x=[row[cost]], y=[row["test accuracy"]], mode="markers+text", name=row["model"], text=[row["model"]],
            textposition="top center", marker=dict(size=12, color=model_colour(row["model"], index)),
            hovertemplate=f"%{{text}}: %{{y:.1%}} at %{{x:,}} {cost} per sample<extra></extra>",
        )
    unit = {"FLOPs": "FLOPs per sample (log scale)", "latency median ms": "ms per sample (median, log scale)"}[cost]
    fig = _layout(fig, f"Accuracy against cost ({cost.split()[0]})", xaxis_title=unit, yaxis_title="test accuracy",
                  showlegend=False)
    fig.update_xaxes(type="log")
    fig.update_yaxes(tickformat=".0%")
    return fig


def scaling_curves(result: Mapping) -> go.Figure:
    """FLOPs per sample of each architecture as the tokens per modality (or the batch) grow, log-log."""
    fig = go.Figure()
    for index, (label, row) in enumerate(result["strategies"].items()):
        fig.add_scatter(x=list(result["values"]), y=row["flops"], mode="lines+markers", name=label,
                        line=dict(color=(list(MODEL_COLOURS.values()) + list(_EXTRA))[index % (len(MODEL_COLOURS) + len(_EXTRA))]))
    axis = {"tokens": "tokens per modality", "batch": "batch size", "width": "model width",
            "modalities": "modalities"}[result["sweep"]] + " (log scale)"
    fixed = {"width": "three modalities", "modalities": "width 16"}.get(result["sweep"], "width 16, three modalities")
    fig = _layout(fig, f"How cost grows with {result['sweep']} ({fixed})", xaxis_title=axis,
                  yaxis_title="FLOPs per sample (log scale)")
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return fig


def reliability_diagram(calibrations: Mapping[str, Mapping]) -> go.Figure:
    """Accuracy against confidence per model (``Calibration.to_dict`` each), with the diagonal of a
    perfectly calibrated model; the legend gives each model's ECE."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dash", color="grey"), name="calibrated")
    for index, (name, result) in enumerate(calibrations.items()):
        fig.add_scatter(x=list(result["confidence"]), y=list(result["accuracy"]), mode="lines+markers",
                        name=f"{name} (ECE {result['ece']:.1%})", marker=dict(color=model_colour(name, index)),
                        customdata=list(result["counts"]),
                        hovertemplate="confidence %{x:.0%}: right %{y:.0%} of %{customdata} samples<extra></extra>")
    fig = _layout(fig, "Calibration: how often a model is right at each confidence", xaxis_title="mean confidence (top class)",
                  yaxis_title="accuracy")
    fig.update_xaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return fig
