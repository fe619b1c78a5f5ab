"""Modalities: one registered spec per modality (decode, preprocess, tokenizer, view, colour).

Importing this package registers the built-in modalities. Code iterates them in sorted order.
"""

from __future__ import annotations

from fusion.modalities.base import MODALITIES, ModalitySpec, get_modality, list_modalities, register_modality

# Importing the modules registers the specs.
from fusion.modalities import audio, image, text, video  # noqa: E402,F401  isort: skip

__all__ = ["MODALITIES", "ModalitySpec", "get_modality", "list_modalities", "register_modality"]
