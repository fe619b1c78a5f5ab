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

from torch import Tensor, nn

from fusion.registry import Registry


class ModalitySpec:
    """Base class; subclasses set the class attributes and implement the methods."""

    name: str
    colour: str  # one colour per modality, in every figure
    upload_types: tuple[str, ...] = ()  # file extensions an upload may have (empty: typed in)
    ig_baseline: str = ""  # the Integrated Gradients baseline, in words (shown in the UI)

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


MODALITIES: Registry[ModalitySpec] = Registry("modality")


def register_modality(spec: ModalitySpec) -> ModalitySpec:
    MODALITIES.register(spec.name)(spec)
    return spec


def get_modality(name: str) -> ModalitySpec:
    return MODALITIES.get(name)


def list_modalities() -> list[str]:
    """Every registered modality, sorted."""
    return MODALITIES.names()
