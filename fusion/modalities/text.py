"""Text modality: a small word vocabulary of our own -> word tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

import numpy as np

from fusion.modalities.base import ModalitySpec, register_modality, token_vector

MAX_TEXT_TOKENS = 16
PAD, UNK = "<pad>", "<unk>"
_WORD = re.compile(r"[a-z]+|\d")


def split_words(text: str) -> list[str]:
    """Lower-case words and single digits; everything else (punctuation, other scripts) is dropped."""
    return _WORD.findall(text.lower())


def build_vocabulary(texts: Iterable[str]) -> list[str]:
    """Sorted vocabulary of the words in ``texts``, after the pad and unknown entries."""
    words = sorted({word for text in texts for word in split_words(text)})
    return [PAD, UNK, *words]


def encode_texts(texts: Sequence[str], vocabulary: Sequence[str]) -> Tensor:
    """Texts -> ``[N, 16]`` token ids (0 = padding). Unknown words map to ``<unk>``; long texts are cut."""
    index = {word: i for i, word in enumerate(vocabulary)}
    ids = torch.zeros(len(texts), MAX_TEXT_TOKENS, dtype=torch.long)
    for row, text in enumerate(texts):
        words = split_words(text)[:MAX_TEXT_TOKENS]
        ids[row, : len(words)] = torch.tensor([index.get(w, index[UNK]) for w in words], dtype=torch.long)
    return ids


def decode_tokens(ids: Tensor, vocabulary: Sequence[str]) -> list[str]:
    """One row of ids -> its words, without padding (for drawing per-token maps)."""
    return [vocabulary[int(i)] for i in ids if int(i) != 0]


class TextTokenizer(nn.Module):
    """Word embedding plus a learned position; padding tokens are marked invalid.

    Reads word ids ``[B, 16]``, or words already embedded by ``embedded`` (``[B, 16, D + 1]``, the
    last channel marking real words): Integrated Gradients moves along a path in embedding space
    by passing those in as the input, so the shared model itself is never patched or hooked. The
    last channel is then each slot's weight in [0, 1] (0: masked, exactly like padding; 1: a real
    word), returned as a float valid mask, so the path can start from "no words" (every slot
    masked) and reach the caption continuously.
    """

    num_tokens = MAX_TEXT_TOKENS

    def __init__(self, width: int, vocabulary_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocabulary_size, width, padding_idx=0)
        self.position = nn.Parameter(torch.zeros(1, MAX_TEXT_TOKENS, width))
        nn.init.normal_(self.position, std=0.02)

    def embedded(self, ids: Tensor) -> Tensor:
        """Word ids ``[B, 16]`` -> their embeddings with a last channel that is 1 on real words."""
        return torch.cat([self.embed(ids), (ids != 0).unsqueeze(-1).to(self.embed.weight.dtype)], dim=-1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if x.dtype == torch.long:
            return self.embed(x) + self.position, x != 0
        return x[..., :-1] + self.position, x[..., -1].clamp(0.0, 1.0)


def text_words(token_weights: Any, ids: Any, vocabulary: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """``[16]`` slot weights and ``[16]`` token ids -> (weights of the real words, the words).

    Padding slots (id 0) are dropped wherever they are; words come from ``vocabulary``.
    """
    weights = token_vector(token_weights, MAX_TEXT_TOKENS, "text")
    if isinstance(ids, torch.Tensor):
        ids = ids.detach().cpu().numpy()
    ids = np.asarray(ids).reshape(-1)
    if ids.shape != (MAX_TEXT_TOKENS,):
        raise ValueError(f"text: expected {MAX_TEXT_TOKENS} token ids, got shape {ids.shape}")
    real = ids != 0
    words = [str(vocabulary[int(i)]) for i in ids[real]]
    return weights[real].copy(), words


class TextSpec(ModalitySpec):
    """A caption; models read its words (our own small vocabulary, stored in each model's config)."""

    name = "text"
    colour = "#54A24B"
    inline = True
    ig_baseline = "no words: every word slot masked, as in an empty caption (the model's own absent path)"

    def decode(self, data: Any) -> tuple[str, tuple[str, ...]]:
        from fusion.io import decode_text

        checked = decode_text(data)
        return checked.text, tuple(checked.warnings)

    def placeholder(self) -> str:
        return ""

    def to_tensor(self, values: Sequence[Any], vocabulary: Sequence[str] = ()) -> Tensor:
        return encode_texts(list(values), vocabulary)

    def tokenizer(self, width: int, vocabulary: Sequence[str] = ()) -> nn.Module:
        return TextTokenizer(width, len(vocabulary))

    def view(self, value: Any) -> list[str]:
        return split_words(value)[:MAX_TEXT_TOKENS]

    def token_map(self, token_weights: Any, model_input: Tensor, vocabulary: Sequence[str] = ()) -> tuple[np.ndarray, list[str]]:
        return text_words(token_weights, model_input, vocabulary)


register_modality(TextSpec())
