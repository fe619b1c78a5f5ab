"""Plotly for the figure builders, with pandas imported first (every builder imports ``go`` from here).

Why: Plotly looks pandas up in ``sys.modules`` without importing it, so a session building a figure
while another session was still importing pandas read a half-imported module (seen under load on a
fresh server). Importing pandas here, before Plotly, makes any builder wait until pandas is whole.
Explore's default charts are pictures (``fusion.viz.raster``) and do not come here: a cold start
does not pay pandas' half second before its first page.
"""

import pandas  # noqa: F401  (see above: first, and whole)
import plotly.graph_objects as go

__all__ = ["go"]
