"""A model's inputs: what each modality's tokenizer reads, built from values or from encodings.

A model reads each modality either through the modality's own tokenizer (its spec turns values into
the input tensor) or, for a head over a frozen encoder, through an ``EmbeddingTokenizer`` over that
encoder's embeddings. This module is the one place that knows which, for building a model and for
turning samples into its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from fusion.modalities import get_modality
from fusion.modalities.embedding import EmbeddingTokenizer
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
