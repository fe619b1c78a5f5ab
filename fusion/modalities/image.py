"""Image modality: 8x8 digit images in [0, 1] -> 2x2 patch tokens on a 4x4 grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fusion.formats import IMAGE_SIZE, MAX_IMAGE_BYTES
from fusion.modalities.base import ModalitySpec, register_modality, token_vector
from fusion.modalities.linear_tokenizer import LinearTokenizer

PATCH_SIZE = 2
PATCH_GRID = (IMAGE_SIZE // PATCH_SIZE, IMAGE_SIZE // PATCH_SIZE)
NUM_PATCHES = PATCH_GRID[0] * PATCH_GRID[1]
PATCH_FEATURES = PATCH_SIZE * PATCH_SIZE


def image_inputs(images: np.ndarray) -> Tensor:
    """``[N, 8, 8]`` float images in [0, 1] -> model input tensor (same shape, float32)."""
    return torch.as_tensor(np.ascontiguousarray(images, dtype=np.float32))


def to_patches(images: Tensor) -> Tensor:
    """``[B, 8, 8]`` -> ``[B, 16, 4]``: row-major 2x2 patches (token t covers grid cell divmod(t, 4))."""
    batch = images.shape[0]
    grid_h, grid_w = PATCH_GRID
    patches = images.reshape(batch, grid_h, PATCH_SIZE, grid_w, PATCH_SIZE).permute(0, 1, 3, 2, 4)
    return patches.reshape(batch, NUM_PATCHES, PATCH_FEATURES)


class ImageTokenizer(LinearTokenizer):
    """Linear patch embedding plus a learned position per grid cell."""

    num_tokens = NUM_PATCHES
    token_features = PATCH_FEATURES

    def split(self, images: Tensor) -> Tensor:
        return to_patches(images)


def image_heatmap(token_weights: Any) -> np.ndarray:
    """``[16]`` patch weights -> ``[8, 8]`` pixel heatmap; each patch's 2x2 pixels get its weight."""
    weights = token_vector(token_weights, NUM_PATCHES, "image")
    grid = weights.reshape(PATCH_GRID)  # row-major: token t at grid cell divmod(t, 4)
    return np.kron(grid, np.ones((PATCH_SIZE, PATCH_SIZE)))


class ImageSpec(ModalitySpec):
    """An 8x8 grey image in [0, 1] (uploads are brought into the digits' style by ``fusion.io``)."""

    name = "image"
    colour = "#4C78A8"
    upload_types = ("png", "jpg", "jpeg", "bmp", "gif", "webp")
    max_file_bytes = MAX_IMAGE_BYTES
    ig_baseline = "blank image (all pixels 0)"
    ig_baseline_value = 0.0

    def real_tokens(self, model_input: Tensor) -> Tensor:
        return torch.ones(model_input.shape[0], NUM_PATCHES, dtype=torch.bool)

    def delete_tokens(self, model_input: Tensor, tokens: Tensor) -> Tensor:
        """Deleted patches become the baseline: blank (0) pixels (images have no token mask)."""
        pixels = tokens.reshape(-1, *PATCH_GRID).repeat_interleave(PATCH_SIZE, 1).repeat_interleave(PATCH_SIZE, 2)
        return torch.where(pixels, torch.zeros((), dtype=model_input.dtype), model_input)

    def decode(self, data: Any) -> tuple[np.ndarray, tuple[str, ...]]:
        from fusion.io import decode_image

        return decode_image(data), ()

    def placeholder(self) -> np.ndarray:
        return np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)

    def to_tensor(self, values: Sequence[Any], vocabulary: Sequence[str] = ()) -> Tensor:
        return image_inputs(np.stack([np.asarray(v, dtype=np.float32) for v in values]))

    def tokenizer(self, width: int, vocabulary: Sequence[str] = ()) -> nn.Module:
        return ImageTokenizer(width)

    def view(self, value: Any) -> list:
        return np.asarray(value, dtype=float).tolist()

    def token_map(self, token_weights: Any, model_input: Tensor, vocabulary: Sequence[str] = ()) -> tuple[np.ndarray, None]:
        return image_heatmap(token_weights), None


register_modality(ImageSpec())
