"""Figures of reliance per group (pure Plotly), fed the JSON of ``python -m fusion reliance``
(``RelianceResult.to_dict()``): accuracy per group with intervals, modality shares as stacked bars,
perceptual scores. Every axis names its scale and units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fusion.viz._plotly import go
from plotly.subplots import make_subplots

from fusion.viz.architecture import MODALITY_COLOURS
from fusion.viz.compare import model_colour


def group_label(group: Mapping[str, Any], count: bool = True) -> str:
    """A group's axis label: its name, a * when it is flagged small, and its row count."""
    return f"{group['group']}{'*' if group['small'] else ''}" + (f" (n={group['n']})" if count else "")


def _strategies(groups: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(groups[0]["strategies"]) if groups else []


def accuracy_by_group(report: Mapping[str, Any]) -> go.Figure:
    """Grouped bars: accuracy per group and model, with the Wilson interval as error bars."""
    groups = report["groups"]
    labels = [group_label(g) for g in groups]
    fig = go.Figure()
    for index, strategy in enumerate(_strategies(groups)):
        entries = [g["strategies"][strategy] for g in groups]
        accuracy = [e["accuracy"] for e in entries]
        fig.add_bar(
            x=labels, y=accuracy, name=strategy, marker_color=model_colour(strategy, index),
            error_y=dict(type="data", symmetric=False, array=[e["interval"][1] - e["accuracy"] for e in entries],
                         arrayminus=[e["accuracy"] - e["interval"][0] for e in entries]),
            hovertemplate="%{x}: %{y:.1%}<extra>" + strategy + "</extra>",
        )
    fig.update_layout(barmode="group", template="plotly_white", legend_title_text="model", height=440,
                      title=f"Accuracy per {report['group_by']} ({report['split']} split)<br>error bars: "
                            f"{report['interval']}; * fewer than {report['small_group']} rows",
                      margin=dict(l=40, r=20, t=80, b=40))
    fig.update_yaxes(title="accuracy (%)", range=[0, 1.05], tickformat=".0%")
    fig.update_xaxes(title=report["group_by"])
    return fig


def shares_by_group(report: Mapping[str, Any]) -> go.Figure:
    """Stacked bars, one panel per model: each group's share of mean |modality Shapley| (sums to 100 %)."""
    groups = report["groups"]
    strategies = _strategies(groups)
    fig = make_subplots(rows=1, cols=max(1, len(strategies)), shared_yaxes=True, subplot_titles=strategies)
    labels = [group_label(g, count=False) for g in groups]
    for column, strategy in enumerate(strategies, start=1):
        for modality in groups[0]["strategies"][strategy]["shapley_share"]:
            shares = [g["strategies"][strategy]["shapley_share"][modality] for g in groups]
            fig.add_bar(x=labels, y=shares, name=modality, legendgroup=modality, showlegend=column == 1,
                        marker_color=MODALITY_COLOURS.get(modality, "#999"), row=1, col=column,
                        text=[f"{s:.0%}" for s in shares], textposition="inside",
                        hovertemplate="%{x}: %{y:.1%}<extra>" + f"{strategy}, {modality}</extra>")
    fig.update_layout(barmode="stack", template="plotly_white", legend_title_text="modality", height=460,
                      title="Modality reliance per group: share of the mean |Shapley value| of the predicted<br>"
                            "class's probability (each bar sums to 100 %; * fewer than "
                            f"{report['small_group']} rows)",
                      margin=dict(l=40, r=20, t=120, b=40))
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(title="share of mean |Shapley| (%)", row=1, col=1)
    fig.update_xaxes(tickangle=-90)  # upright group names, side by side: slanted, long ones overlap
    return fig


def perceptual_bars(report: Mapping[str, Any]) -> go.Figure:
    """Grouped bars: accuracy drop (percentage points) per model when each modality is permuted."""
    scores = report["perceptual_score"]
    fig = go.Figure()
    modalities = list(dict.fromkeys(m for per in scores.values() for m in per))
    for modality in modalities:
        drops = [scores[s].get(modality) for s in scores]
        fig.add_bar(x=list(scores), y=[d * 100 if d is not None else None for d in drops], name=modality,
                    marker_color=MODALITY_COLOURS.get(modality, "#999"),
                    text=[f"{d * 100:+.1f}" if d is not None else "" for d in drops], textposition="outside")
    fig.update_layout(barmode="group", template="plotly_white", legend_title_text="permuted modality", height=380,
                      title=f"Perceptual score: accuracy drop when one modality is permuted across the split "
                            f"(mean of {report['permutation_seeds']} seeds)",
                      margin=dict(l=40, r=20, t=60, b=40))
    fig.update_yaxes(title="accuracy drop (percentage points)", zeroline=True)
    fig.update_xaxes(title="model")
    return fig
