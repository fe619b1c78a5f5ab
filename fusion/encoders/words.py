"""``words``: the project's own text encoder (no weights) — hashed one-hot words."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from fusion.encoders.base import Encoder, Encoding, TokenLayout
from fusion.encoders.common import check_texts

BUCKETS = 256
MAX_WORDS = 32
WORD = re.compile(r"[a-z]+|\d")


def bucket(word: str) -> int:
    """A stable bucket for ``word`` (blake2b: the same in every process, unlike ``hash()``)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little") % BUCKETS


class WordsEncoder(Encoder):
    """Lower-case words (letters runs and single digits, at most 32) -> one-hot of 256 hashed
    buckets each; pooled: their mean (zeros for a text without words, which has no tokens)."""

    name = "words"
    modality = "text"
    dim = BUCKETS
    token_dim = BUCKETS
    source = "built-in"
    version = "words-1"

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        encodings = []
        for text in check_texts(items):
            words = WORD.findall(text.lower())[:MAX_WORDS]
            tokens = np.zeros((len(words), BUCKETS), dtype=np.float32)
            tokens[np.arange(len(words)), [bucket(w) for w in words]] = 1.0
            pooled = tokens.mean(axis=0) if words else np.zeros(BUCKETS, dtype=np.float32)
            encodings.append(Encoding(pooled.astype(np.float32), tokens, TokenLayout("words", labels=tuple(words))))
        return encodings
