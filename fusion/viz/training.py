"""Training curves from epoch records (``fusion.training.loop.EpochRecord``): loss, train and val accuracy."""

from __future__ import annotations

from collections.abc import Sequence

from fusion.viz._plotly import go
from plotly.subplots import make_subplots

from fusion.training.loop import EpochRecord


def training_curves_figure(records: Sequence[EpochRecord], epochs: int | None = None) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch; ``epochs`` fixes the x range to the planned run."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss", "accuracy"))
    x = [r.epoch for r in records]
    fig.add_trace(go.Scatter(x=x, y=[r.loss for r in records], mode="lines+markers", name="loss",
                             line=dict(color="#4e79a7")), row=1, col=1)
    fig.add_trace(go.Scatter(x=x, y=[r.train_accuracy for r in records], mode="lines+markers", name="train accuracy",
                             line=dict(color="#f28e2b")), row=1, col=2)
    fig.add_trace(go.Scatter(x=x, y=[r.val_accuracy for r in records], mode="lines+markers", name="val accuracy",
                             line=dict(color="#59a14f")), row=1, col=2)
    last = max(epochs or 0, max(x, default=1))
    for col in (1, 2):
        fig.update_xaxes(title_text="epoch", range=[0.5, last + 0.5], row=1, col=col)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25))
    return fig
