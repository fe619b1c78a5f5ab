"""Per-modality preprocessing and tokenizers. Modalities are iterated in sorted order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import Tensor, nn

from fusion.models.config import KNOWN_MODALITIES, EncoderInput
from fusion.modalities.embedding import EmbeddingTokenizer
from fusion.modalities.audio import AudioTokenizer, audio_inputs
from fusion.modalities.image import ImageTokenizer, image_inputs
from fusion.modalities.text import TextTokenizer, encode_texts

MODALITIES = KNOWN_MODALITIES


def create_tokenizer(modality: str, width: int, vocabulary: Sequence[str], encoder: EncoderInput | None = None) -> nn.Module:
    """The built-in tokenizer of ``modality``, or an embedding tokenizer for a head over ``encoder``."""
    if encoder is not None:
        return EmbeddingTokenizer(encoder.features, encoder.tokens, width)
    if modality == "image":
        return ImageTokenizer(width)
    if modality == "audio":
        return AudioTokenizer(width)
    if modality == "text":
        return TextTokenizer(width, len(vocabulary))
    raise ValueError(f"unknown modality {modality!r}; choose one of: {', '.join(MODALITIES)}")


def encode_inputs(
    modalities: Sequence[str],
    vocabulary: Sequence[str],
    image: np.ndarray | None = None,
    audio: np.ndarray | None = None,
    text: Sequence[str] | None = None,
) -> dict[str, Tensor]:
    """Raw arrays -> the model's input tensors for ``modalities`` (images, log-mel, token ids)."""
    encoders = {
        "image": lambda: image_inputs(image),
        "audio": lambda: audio_inputs(audio),
        "text": lambda: encode_texts(list(text), vocabulary),
    }
    raw = {"image": image, "audio": audio, "text": text}
    missing = [m for m in modalities if raw[m] is None]
    if missing:
        raise ValueError(f"no data given for modality {', '.join(missing)}")
    return {m: encoders[m]() for m in modalities}
