"""Explainers (captum style): construct with the model and settings, ``attribute(...)`` per call.

- ``ModalityShapley``: exact Shapley values of the modalities of one sample (present masks).
- ``EMAP``: the non-additive (cross-modal interaction) share of a model over a batch.
"""

from __future__ import annotations

from fusion.explain.base import EmapResult, Explainer, ShapleyResult, subset_key
from fusion.explain.interactions import EMAP, additive_projection, nonadditive_share
from fusion.explain.shapley import ModalityShapley, shapley_values

__all__ = [
    "EMAP",
    "EmapResult",
    "Explainer",
    "ModalityShapley",
    "ShapleyResult",
    "additive_projection",
    "nonadditive_share",
    "shapley_values",
    "subset_key",
]

# Attention maps on the input geometry (``AttentionMaps``) and the geometry helpers.
from fusion.explain.attention import AttentionMaps, AttentionResult, attention_rollout  # noqa: E402
from fusion.explain.geometry import audio_frames, audio_spectrogram, image_heatmap, text_words, to_geometry  # noqa: E402

__all__ += [
    "AttentionMaps",
    "AttentionResult",
    "attention_rollout",
    "audio_frames",
    "audio_spectrogram",
    "image_heatmap",
    "text_words",
    "to_geometry",
]

# Integrated Gradients over all present modalities jointly (captum).
from fusion.explain.gradients import GradientResult, IntegratedGradients  # noqa: E402

__all__ += ["GradientResult", "IntegratedGradients"]
