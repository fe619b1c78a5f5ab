"""The modality contract: one registered spec per modality (image, audio, text, ...).

A spec knows everything modality-specific between a person's file and a model's tokens: how an
upload is decoded (through ``fusion.io``), what an absent row holds as a placeholder, how values are
batched into the model's input tensor, which tokenizer reads that tensor, what the models "see"
(for display), its upload file types, its Integrated Gradients baseline and its colour. Code
iterates modalities in sorted order. Adding a modality means adding one spec file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fusion.registry import Registry


class ModalitySpec:
    """Base class; subclasses set the class attributes and implement the methods."""

    name: str
    colour: str  # one colour per modality, in every figure
    upload_types: tuple[str, ...] = ()  # file extensions an upload (or a manifest's file) may have
    inline: bool = False  # typed in (a manifest cell holds the value itself), not a file
    max_file_bytes: int = 0  # the largest file accepted (0 for inline modalities)
    ig_baseline: str = ""  # the Integrated Gradients baseline, in words (shown in the UI)
    ig_baseline_value: float | None = None  # its constant input value (None: not a constant input)

    def real_tokens(self, model_input: Tensor) -> Tensor:
        """``[B, T]`` bool: the tokens of the input that hold content (not padding)."""
        raise NotImplementedError(f"the {self.name} modality cannot tell its tokens apart")

    def delete_tokens(self, model_input: Tensor, tokens: Tensor) -> Tensor:
        """A copy of the input with the tokens marked in ``tokens`` (``[B, T]`` bool) removed the
        model's own way: masked where the modality has a mask, else set to its baseline."""
        raise NotImplementedError(f"the {self.name} modality cannot delete single tokens")

    def ig_baseline_input(self, value: Tensor) -> Tensor:
        """The Integrated Gradients baseline for the input ``value`` (the constant by default)."""
        return torch.full_like(value, self.ig_baseline_value)

    def decode(self, data: Any) -> tuple[Any, tuple[str, ...]]:
        """An upload (bytes or a path; text: a string) -> (the model-ready value, warnings).
        Raises ``InputError`` with a message a person can act on."""
        raise NotImplementedError

    def placeholder(self) -> Any:
        """The value of an absent row in a batch (masked: it never influences the output)."""
        raise NotImplementedError

    def to_tensor(self, values: Sequence[Any], vocabulary: Sequence[str] = ()) -> Tensor:
        """A batch of values -> the model's input tensor for this modality."""
        raise NotImplementedError

    def tokenizer(self, width: int, vocabulary: Sequence[str] = ()) -> nn.Module:
        """The module that turns the input tensor into ``(tokens [B, T, width], valid [B, T])``."""
        raise NotImplementedError

    def view(self, value: Any) -> Any:
        """What the models see of one value, JSON-ready (for display next to the explanations)."""
        raise NotImplementedError

    def token_map(self, token_weights: Any, model_input: Tensor, vocabulary: Sequence[str] = ()) -> tuple[np.ndarray, list[str] | None]:
        """Per-token weights of one sample -> (a map on the input's geometry, the words for text
        else None); ``model_input`` is that sample's input tensor (text: its ids, to drop padding).

        Weights are COPIED, not spread: every pixel (frame) of a token gets that token's weight, so
        a map reads as "how much did the patch under this pixel get" and stays on the token
        vector's scale. The sum is therefore not preserved (the per-token vector is the
        sum-preserving form, which explainers report beside the maps).
        """
        raise NotImplementedError


def token_vector(weights: Any, length: int, what: str) -> np.ndarray:
    if isinstance(weights, torch.Tensor):
        weights = weights.detach().to(torch.float64).cpu().numpy()
    array = np.asarray(weights, dtype=np.float64)
    if array.shape != (length,):
        raise ValueError(f"{what}: expected {length} per-token weights, got shape {array.shape}")
    return array


MODALITIES: Registry[ModalitySpec] = Registry("modality")


def register_modality(spec: ModalitySpec) -> ModalitySpec:
    MODALITIES.register(spec.name)(spec)
    return spec


def get_modality(name: str) -> ModalitySpec:
    return MODALITIES.get(name)


def list_modalities() -> list[str]:
    """Every registered modality, sorted."""
    return MODALITIES.names()
