"""Where the repository's shipped files live (one home for every path derived from the checkout)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "assets"
