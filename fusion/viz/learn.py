"""Figures of the Learn page (pure Plotly)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fusion.viz._plotly import go

from fusion.viz.architecture import MODALITY_COLOURS


def contribution_figure(shift: Mapping[str, Any], corruption: Mapping[str, float]) -> go.Figure:
    """Grouped bars: each modality's Shapley value, clean vs corrupted (``analysis.shapley_shift``)."""
    what = ", ".join(f"{m} corrupted to {level:g}" for m, level in corruption.items())
    fig = go.Figure()
    for name, title in (("clean", "clean"), ("corrupted", what)):
        values = shift[name]["shapley"]
        fig.add_trace(go.Bar(
            x=list(values), y=list(values.values()), name=title,
            marker=dict(color=[MODALITY_COLOURS.get(m, "#999") for m in values],
                        pattern_shape="" if name == "clean" else "/"),
            text=[f"{v:+.2f}" for v in values.values()], textposition="outside",
        ))
    fig.update_layout(barmode="group", height=320, yaxis_title=f"Shapley value (P(digit {shift['label']}))",
                      margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.2))
    return fig
