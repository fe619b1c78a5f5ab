"""Text modality: a small word vocabulary of our own -> word tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from fusion.modalities.base import ModalitySpec, register_modality

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
    """Word embedding plus a learned position; padding tokens are marked invalid."""

    num_tokens = MAX_TEXT_TOKENS

    def __init__(self, width: int, vocabulary_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocabulary_size, width, padding_idx=0)
        self.position = nn.Parameter(torch.zeros(1, MAX_TEXT_TOKENS, width))
        nn.init.normal_(self.position, std=0.02)

    def forward(self, ids: Tensor) -> tuple[Tensor, Tensor]:
        return self.embed(ids) + self.position, ids != 0


class TextSpec(ModalitySpec):
    """A caption; models read its words (our own small vocabulary, stored in each model's config)."""

    name = "text"
    colour = "#54A24B"
    ig_baseline = "padding-token embeddings (zeros)"

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


register_modality(TextSpec())
