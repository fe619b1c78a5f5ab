"""Per-token weights -> the geometry of the input they came from (pure functions, numpy out).

The tokenizers fix the layout (see ``fusion.modalities``):

- image: 16 tokens, 2x2 pixel patches on a 4x4 grid; token ``t`` covers grid cell ``divmod(t, 4)``,
  i.e. pixel rows ``2*(t//4) .. 2*(t//4)+1`` and columns ``2*(t%4) .. 2*(t%4)+1`` of the 8x8 image;
- audio: 20 tokens, token ``t`` covers log-mel frames ``3t .. 3t+2`` of 60 (all 32 mel bands);
- text: 16 word slots, id 0 is padding (padding is dropped: it never carries weight).

**Choice: weights are COPIED, not spread.** Every pixel (frame) of a token gets that token's
weight, so a heatmap reads directly as "how much attention did the patch under this pixel get",
and a map's values are on the same scale as the per-token vector. The sum is therefore NOT
preserved (an image heatmap sums to 4x, the frame curve to 3x and a spectrogram map to 96x the
token total); the per-token vector (the input of these functions) is the sum-preserving one and
explainers report it alongside the maps. Text is one token per word, so it is both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from fusion.modalities.audio import FRAMES_PER_TOKEN, N_MELS, NUM_AUDIO_TOKENS, NUM_FRAMES
from fusion.modalities.image import IMAGE_SIZE, NUM_PATCHES, PATCH_GRID, PATCH_SIZE
from fusion.modalities.text import MAX_TEXT_TOKENS

GEOMETRY = {"image": (IMAGE_SIZE, IMAGE_SIZE), "audio": (NUM_FRAMES,), "text": ("words",)}


def _vector(weights: Any, length: int, what: str) -> np.ndarray:
    if isinstance(weights, torch.Tensor):
        weights = weights.detach().to(torch.float64).cpu().numpy()
    array = np.asarray(weights, dtype=np.float64)
    if array.shape != (length,):
        raise ValueError(f"{what}: expected {length} per-token weights, got shape {array.shape}")
    return array


def image_heatmap(token_weights: Any) -> np.ndarray:
    """``[16]`` patch weights -> ``[8, 8]`` pixel heatmap; each patch's 2x2 pixels get its weight."""
    weights = _vector(token_weights, NUM_PATCHES, "image")
    grid = weights.reshape(PATCH_GRID)  # row-major: token t at grid cell divmod(t, 4)
    return np.kron(grid, np.ones((PATCH_SIZE, PATCH_SIZE)))


def audio_frames(token_weights: Any) -> np.ndarray:
    """``[20]`` frame-group weights -> ``[60]`` per-frame weights; frames 3t..3t+2 get token t's."""
    weights = _vector(token_weights, NUM_AUDIO_TOKENS, "audio")
    return np.repeat(weights, FRAMES_PER_TOKEN)


def audio_spectrogram(frame_weights: Any, n_mels: int = N_MELS) -> np.ndarray:
    """``[60]`` per-frame weights -> ``[n_mels, 60]``, the same weight in every mel band of a frame
    (audio tokens span the whole frequency axis, so attention says nothing about frequency)."""
    frames = _vector(frame_weights, NUM_FRAMES, "audio frames")
    return np.broadcast_to(frames, (n_mels, NUM_FRAMES)).copy()


def text_words(token_weights: Any, ids: Any, vocabulary: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """``[16]`` slot weights and ``[16]`` token ids -> (weights of the real words, the words).

    Padding slots (id 0) are dropped wherever they are; words come from ``vocabulary``.
    """
    weights = _vector(token_weights, MAX_TEXT_TOKENS, "text")
    if isinstance(ids, torch.Tensor):
        ids = ids.detach().cpu().numpy()
    ids = np.asarray(ids).reshape(-1)
    if ids.shape != (MAX_TEXT_TOKENS,):
        raise ValueError(f"text: expected {MAX_TEXT_TOKENS} token ids, got shape {ids.shape}")
    real = ids != 0
    words = [str(vocabulary[int(i)]) for i in ids[real]]
    return weights[real].copy(), words


def to_geometry(
    modality: str, token_weights: Any, ids: Any = None, vocabulary: Sequence[str] = ()
) -> tuple[np.ndarray, list[str] | None]:
    """Dispatch: (map on the input geometry, words for text else ``None``).

    image -> ``[8, 8]``, audio -> ``[60]`` frames, text -> ``[n_words]`` (needs ``ids`` and ``vocabulary``).
    """
    if modality == "image":
        return image_heatmap(token_weights), None
    if modality == "audio":
        return audio_frames(token_weights), None
    if modality == "text":
        if ids is None:
            raise ValueError("text: the token ids are needed to drop padding and name the words")
        return text_words(token_weights, ids, vocabulary)
    raise ValueError(f"unknown modality {modality!r}; choose one of: {', '.join(GEOMETRY)}")
