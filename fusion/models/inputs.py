"""A model's inputs: what each modality's tokenizer reads, built from values or from encodings.

A model reads each modality either through the modality's own tokenizer (its spec turns values into
the input tensor) or, for a head over a frozen encoder, through an ``EmbeddingTokenizer`` over that
encoder's embeddings. This module is the one place that knows which, for building a model and for
turning samples into its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fusion.modalities import get_modality
from fusion.modalities.embedding import EmbeddingTokenizer, embedding_input
from fusion.models.config import EncoderInput, ModelConfig


def create_tokenizer(modality: str, width: int, vocabulary: Sequence[str], encoder: EncoderInput | None = None) -> nn.Module:
    """The modality's own tokenizer, or an embedding tokenizer for a head over ``encoder``."""
    if encoder is not None:
        return EmbeddingTokenizer(encoder.features, encoder.tokens, width)
    return get_modality(modality).tokenizer(width, vocabulary)


def values_inputs(modalities: Sequence[str], values: Mapping[str, Sequence[Any]], vocabulary: Sequence[str] = ()) -> dict[str, Tensor]:
    """``{modality: [value per row]}`` -> the model input tensors of ``modalities`` (built-in tokenizers)."""
    missing = [m for m in modalities if m not in values]
    if missing:
        raise ValueError(f"no data given for modality {', '.join(missing)}")
    return {m: get_modality(m).to_tensor(values[m], vocabulary) for m in modalities}


def sample_values_inputs(config: ModelConfig, rows: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Rows of ``{modality: value}`` (a missing or None value is absent) -> inputs and present mask
    of a model with built-in tokenizers; absent rows get the modality's placeholder."""
    present = {m: torch.tensor([row.get(m) is not None for row in rows], dtype=torch.bool) for m in config.modalities}
    values = {
        m: [row[m] if row.get(m) is not None else get_modality(m).placeholder() for row in rows]
        for m in config.modalities
    }
    return values_inputs(config.modalities, values, config.vocabulary), present


def sample_inputs(config: ModelConfig, rows: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Rows of ``{modality: value}`` -> the model's inputs and present mask, whatever the model
    reads: values through the modalities' own tokenizers, or (a head) through its frozen encoders."""
    if not config.encoders:
        return sample_values_inputs(config, rows)
    return encodings_input(config, [encode_row(config, row) for row in rows])


def encode_row(config: ModelConfig, row: Mapping[str, Any]) -> dict[str, Any]:
    """One row's values (files' paths or bytes, texts) -> its encodings with the head's encoders,
    through the embedding cache. Raises ``InputError`` naming the modality that cannot be decoded."""
    from fusion.embeddings.extract import encode_sample

    encoders = {e.modality: e.encoder for e in config.encoders}
    return encode_sample({m: v for m, v in row.items() if m in encoders and v is not None}, encoders)


def encoding_vector(encoding: Any, spec: EncoderInput) -> np.ndarray | None:
    """The array a head reads from one encoding: its tokens (token heads) or its pooled vector."""
    if encoding is None:
        return None
    if spec.tokens > 1 and encoding.tokens is not None:
        return encoding.tokens
    return encoding.pooled


def encodings_input(config: ModelConfig, encodings: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Model inputs and present mask for rows of per-modality encodings (missing key: absent)."""
    inputs, present = {}, {}
    for spec in config.encoders:
        vectors = [encoding_vector(row.get(spec.modality), spec) for row in encodings]
        inputs[spec.modality] = embedding_input(vectors, spec.tokens, spec.features)
        present[spec.modality] = torch.tensor([v is not None for v in vectors], dtype=torch.bool)
    return inputs, present
