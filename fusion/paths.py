"""Where the repository's shipped files live (one home for every path derived from the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "assets"


def user_dir() -> Path:
    """Where a user's training runs live: ``$FUSION_USER_DIR``, by default ``user_checkpoints/``."""
    return Path(os.environ.get("FUSION_USER_DIR", REPO / "user_checkpoints"))


def datasets_dir() -> Path:
    """Where zips uploaded on the "Your data" page are unpacked: ``$FUSION_DATASETS_DIR``, by
    default ``user_datasets/`` beside ``app.py``."""
    return Path(os.environ.get("FUSION_DATASETS_DIR", REPO / "user_datasets"))
