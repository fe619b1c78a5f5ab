"""Video modality: 8 grey 16x16 frames in [0, 1] -> spatio-temporal patch tokens (frame x 2x2 grid
of 8x8 patches, 32 tokens). Uploads are decoded by ``fusion.video_io`` (PyAV)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fusion.modalities.base import ModalitySpec, register_modality, token_vector
from fusion.modalities.linear_tokenizer import LinearTokenizer
from fusion.video_io import MAX_VIDEO_BYTES, VIDEO_FRAMES, VIDEO_SIZE, VIDEO_TYPES

PATCH_SIZE = 8
PATCH_GRID = (VIDEO_SIZE // PATCH_SIZE, VIDEO_SIZE // PATCH_SIZE)
PATCHES_PER_FRAME = PATCH_GRID[0] * PATCH_GRID[1]
NUM_VIDEO_TOKENS = VIDEO_FRAMES * PATCHES_PER_FRAME
PATCH_FEATURES = PATCH_SIZE * PATCH_SIZE
VIDEO_SHAPE = (VIDEO_FRAMES, VIDEO_SIZE, VIDEO_SIZE)


def video_inputs(clips: np.ndarray) -> Tensor:
    """``[N, 8, 16, 16]`` float clips in [0, 1] -> model input tensor (same shape, float32)."""
    return torch.as_tensor(np.ascontiguousarray(clips, dtype=np.float32))


def to_tubes(clips: Tensor) -> Tensor:
    """``[B, 8, 16, 16]`` -> ``[B, 32, 64]``: token t is frame ``t // 4``, grid cell ``divmod(t % 4, 2)``."""
    batch = clips.shape[0]
    grid_h, grid_w = PATCH_GRID
    patches = clips.reshape(batch, VIDEO_FRAMES, grid_h, PATCH_SIZE, grid_w, PATCH_SIZE).permute(0, 1, 2, 4, 3, 5)
    return patches.reshape(batch, NUM_VIDEO_TOKENS, PATCH_FEATURES)


class VideoTokenizer(LinearTokenizer):
    """Linear patch embedding plus a learned position per (frame, grid cell)."""

    num_tokens = NUM_VIDEO_TOKENS
    token_features = PATCH_FEATURES

    def split(self, clips: Tensor) -> Tensor:
        return to_tubes(clips)


def video_heatmap(token_weights: Any) -> np.ndarray:
    """``[32]`` token weights -> ``[8, 16, 16]``: each patch's pixels in its frame get its weight."""
    weights = token_vector(token_weights, NUM_VIDEO_TOKENS, "video").reshape(VIDEO_FRAMES, *PATCH_GRID)
    return np.kron(weights, np.ones((1, PATCH_SIZE, PATCH_SIZE)))


class VideoSpec(ModalitySpec):
    """A short clip as 8 grey 16x16 frames in [0, 1], spread evenly over the upload."""

    name = "video"
    colour = "#B279A2"
    upload_types = VIDEO_TYPES
    max_file_bytes = MAX_VIDEO_BYTES
    ig_baseline = "black frames (all pixels 0)"
    ig_baseline_value = 0.0

    def decode(self, data: Any) -> tuple[np.ndarray, tuple[str, ...]]:
        from fusion.video_io import decode_video

        return decode_video(data)

    def placeholder(self) -> np.ndarray:
        return np.zeros(VIDEO_SHAPE, dtype=np.float32)

    def to_tensor(self, values: Sequence[Any], vocabulary: Sequence[str] = ()) -> Tensor:
        return video_inputs(np.stack([np.asarray(v, dtype=np.float32).reshape(VIDEO_SHAPE) for v in values]))

    def tokenizer(self, width: int, vocabulary: Sequence[str] = ()) -> nn.Module:
        return VideoTokenizer(width)

    def real_tokens(self, model_input: Tensor) -> Tensor:
        return torch.ones(model_input.shape[0], NUM_VIDEO_TOKENS, dtype=torch.bool)

    def delete_tokens(self, model_input: Tensor, tokens: Tensor) -> Tensor:
        """Deleted patches become the baseline: black (0) pixels in their frame (video has no token mask)."""
        cells = tokens.reshape(-1, VIDEO_FRAMES, *PATCH_GRID)
        pixels = cells.repeat_interleave(PATCH_SIZE, 2).repeat_interleave(PATCH_SIZE, 3)
        return torch.where(pixels, torch.zeros((), dtype=model_input.dtype), model_input)

    def view(self, value: Any) -> list:
        return np.asarray(value, dtype=float).reshape(VIDEO_SHAPE).tolist()

    def token_map(self, token_weights: Any, model_input: Tensor, vocabulary: Sequence[str] = ()) -> tuple[np.ndarray, None]:
        return video_heatmap(token_weights), None


register_modality(VideoSpec())
