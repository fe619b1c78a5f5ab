"""The frozen-encoder contract: decoded inputs of one modality -> pooled vectors and token vectors.

Encoders never train. Each returns, per input, a pooled embedding ``[dim]`` and, when it exposes
tokens, token embeddings ``[T, token_dim]`` with a ``TokenLayout`` that says how the tokens map
back onto the input (an image's patch grid, audio frames, a text's tokens), so attention and
attributions over tokens can be drawn on the input.

Decoded inputs (what ``encode`` takes, one list entry per sample):

- image: ``uint8 [H, W, 3]`` RGB (``fusion.io.decode_image_rgb``);
- audio: ``float32 [n]`` mono waveform at ``fusion.io.SAMPLE_RATE`` (``fusion.io.decode_audio_clip``);
- text: ``str`` (``fusion.io.decode_text(...).text``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fusion.errors import FusionError

LAYOUT_KINDS = ("grid", "frames", "words", "single")


class EncoderUnavailable(FusionError):
    """The encoder cannot run on this machine (package missing, weights not cached and offline, ...).

    The message says what to install or download, and where it goes.
    """


@dataclass(frozen=True)
class TokenLayout:
    """How an encoding's tokens map back onto its input.

    - ``grid``: image patch tokens in row-major order on a ``grid = (rows, cols)`` grid;
    - ``frames``: audio tokens in time order; ``seconds`` is each token's (start, end) time;
    - ``words``: text tokens in order; ``labels`` their strings (sub-words as the tokenizer cut them);
    - ``single``: no tokens (pooled only).
    """

    kind: str
    grid: tuple[int, int] | None = None
    labels: tuple[str, ...] = ()
    seconds: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in LAYOUT_KINDS:
            raise ValueError(f"unknown token layout {self.kind!r}; choose one of {', '.join(LAYOUT_KINDS)}")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "grid": list(self.grid) if self.grid else None,
                "labels": list(self.labels), "seconds": [list(s) for s in self.seconds]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenLayout:
        grid = data.get("grid")
        return cls(data["kind"], tuple(grid) if grid else None, tuple(data.get("labels", ())),
                   tuple(tuple(s) for s in data.get("seconds", ())))


@dataclass(frozen=True, eq=False)
class Encoding:
    """One input through one encoder: ``pooled`` float32 ``[dim]``; ``tokens`` float32
    ``[T, token_dim]`` or None when the encoder has no tokens; ``layout`` maps tokens to the input."""

    pooled: np.ndarray
    tokens: np.ndarray | None
    layout: TokenLayout = field(default_factory=lambda: TokenLayout("single"))


@dataclass(frozen=True)
class EncoderInfo:
    """One row of ``python -m fusion encoders --json``.

    ``offline``: runs on this machine without the network right now (weights present). ``reason``:
    why it cannot run here (None when it can). ``dim``: pooled size; ``token_dim``: token size
    (None without tokens, or when unknown until the weights are there).
    """

    name: str
    modality: str
    dim: int | None
    tokens: bool
    offline: bool
    source: str
    token_dim: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "modality": self.modality, "dim": self.dim, "tokens": self.tokens,
                "offline": self.offline, "source": self.source, "token_dim": self.token_dim,
                "reason": self.reason}


class Encoder(ABC):
    """A loaded, frozen encoder of one modality. Subclasses set the attributes in ``__init__``.

    ``version`` identifies the weights and preprocessing (it is part of the embedding cache key,
    so a change of either never reuses stale embeddings).
    """

    name: str
    modality: str
    dim: int
    token_dim: int | None
    source: str
    version: str

    @property
    def tokens(self) -> bool:
        return self.token_dim is not None

    @abstractmethod
    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        """Encode a batch of decoded inputs (see the module docstring); frozen, no gradients."""

    def info(self) -> EncoderInfo:
        return EncoderInfo(self.name, self.modality, self.dim, self.tokens, True, self.source, self.token_dim)
