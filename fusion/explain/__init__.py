"""Explainers (captum style: settings in the constructor, ``attribute(...)`` per call, a typed
result keyed by modality): exact modality Shapley values, attention maps on the input geometry,
Integrated Gradients, and EMAP cross-modal interaction. ``explain_model`` runs the whole
one-sample analysis and returns an ``Explanation``."""

from fusion.explain.attention import AttentionMaps, AttentionResult, attention_rollout
from fusion.explain.base import EmapResult, Explainer, ShapleyResult, subset_key
from fusion.explain.gradients import GradientResult, IntegratedGradients
from fusion.explain.interactions import EMAP, additive_projection, nonadditive_share
from fusion.explain.shapley import ModalityShapley, shapley_values

__all__ = [
    "EMAP", "AttentionMaps", "AttentionResult", "EmapResult", "Explainer", "GradientResult", "IntegratedGradients",
    "ModalityShapley", "ShapleyResult", "additive_projection", "attention_rollout", "nonadditive_share",
    "shapley_values", "subset_key",
]
