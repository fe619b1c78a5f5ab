"""Fusion Explorer: early, late and hybrid multimodal fusion, explained.

Importing this package makes torchvision importable on CPU torch, at torchvision's first import
(see ``fusion._torchvision``), and sets the Hugging Face libraries to offline unless the user
opted in (``FUSION_ONLINE=1``).
"""

from __future__ import annotations

import os

if os.environ.get("FUSION_ONLINE") != "1":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from fusion._torchvision import ensure_torchvision_importable, install_import_hook  # noqa: E402

install_import_hook()

__all__ = ["ensure_torchvision_importable"]
