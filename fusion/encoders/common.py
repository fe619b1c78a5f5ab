"""Plumbing every encoder shares: input checks, batching, frozen modules, pooling, frame times."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from fusion.formats import SAMPLE_RATE
from fusion.errors import InputError

BATCH_SIZE = 16  # items per forward pass: bounds memory for large backbones
MAX_AUDIO_SECONDS = 10.0  # what fusion.io hands pretrained encoders; longer clips are cut here too


def batches(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _rgb_arrays(items: Sequence[Any], what: str, axes: int, shape: str, decoder: str) -> list[np.ndarray]:
    """Each item must be a non-empty uint8 array with ``axes`` axes whose last is 3 (RGB)."""
    arrays = []
    for i, item in enumerate(items):
        array = np.asarray(item)
        if array.dtype != np.uint8 or array.ndim != axes or array.shape[-1] != 3 or min(array.shape[:-1]) < 1:
            raise InputError(f"{what} {i} is {array.dtype} {list(array.shape)}; pretrained {what} encoders "
                             f"take uint8 RGB {shape} (decode it with {decoder}).")
        arrays.append(array)
    return arrays


def check_images(items: Sequence[Any]) -> list[np.ndarray]:
    """Decoded images must be ``uint8 [H, W, 3]`` RGB (``fusion.io.decode_image_rgb``)."""
    return _rgb_arrays(items, "image", 3, "[H, W, 3]", "fusion.io.decode_image_rgb")


def check_clips(items: Sequence[Any]) -> list[np.ndarray]:
    """Decoded clips must be ``uint8 [T, H, W, 3]`` RGB frames (``fusion.video_io.decode_video_rgb``)."""
    return _rgb_arrays(items, "video", 4, "frames [T, H, W, 3]", "fusion.video_io.decode_video_rgb")


def frame_layout(count: int):
    """The token layout of a clip's ``count`` frame tokens, in time order."""
    from fusion.encoders.base import TokenLayout

    return TokenLayout("frames", labels=tuple(f"frame {i + 1}" for i in range(count)))


def check_waveforms(items: Sequence[Any]) -> list[np.ndarray]:
    """Decoded audio must be a non-empty, finite mono waveform at 16 kHz; cut to 10 s."""
    waves = []
    for i, item in enumerate(items):
        wave = np.asarray(item, dtype=np.float32)
        if wave.ndim != 1 or wave.size == 0 or not np.all(np.isfinite(wave)):
            raise InputError(f"audio {i} is {list(wave.shape)}; audio encoders take a non-empty, finite mono "
                             f"waveform at {SAMPLE_RATE} Hz (decode it with fusion.io.decode_audio_clip).")
        waves.append(wave[:int(MAX_AUDIO_SECONDS * SAMPLE_RATE)])
    return waves


def check_texts(items: Sequence[Any]) -> list[str]:
    texts = [str(item) if hasattr(item, "text") else item for item in items]  # fusion.io.TextInput
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError(f"text {i} is a {type(text).__name__}; text encoders take str.")
    return texts


def frozen(module):
    """Eval mode (no dropout, fixed batch-norm statistics) and no gradients: encoders never train."""
    module.eval()
    module.requires_grad_(False)
    return module


def masked_mean(hidden, mask):
    """Mean of ``hidden [B, T, D]`` over the positions where ``mask [B, T]`` is 1 (sentence-transformers'
    mean pooling); an all-zero row gives zeros."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9)


def as_float32(array) -> np.ndarray:
    """A tensor or array (one item of a batch) -> a float32 numpy copy of its own, so an encoding
    never keeps its whole batch alive."""
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.array(array, dtype=np.float32, copy=True, order="C")


def spread_seconds(count: int, seconds: float) -> tuple[tuple[float, float], ...]:
    """``count`` tokens covering ``seconds`` evenly, in order: each token's (start, end)."""
    step = seconds / max(count, 1)
    return tuple((round(i * step, 4), round((i + 1) * step, 4)) for i in range(count))
