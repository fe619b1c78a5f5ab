"""``pixels``: the project's own tiny image encoder (no weights) — a 16x16 grayscale thumbnail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fusion.encoders.base import Encoder, Encoding, TokenLayout
from fusion.encoders.common import check_images

SIDE = 16  # thumbnail side
PATCH = 4  # token patch side: a 4x4 grid of 4x4-pixel patches
GRID = SIDE // PATCH


class PixelsEncoder(Encoder):
    """RGB -> grayscale -> 16x16 (box filter) in [0, 1]. Tokens: the 16 patches of 4x4 pixels,
    row-major on a 4x4 grid (each patch's pixels row-major); pooled: all 256 pixels."""

    name = "pixels"
    modality = "image"
    dim = SIDE * SIDE
    token_dim = PATCH * PATCH
    source = "built-in"
    version = "pixels-1"

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        from PIL import Image

        layout = TokenLayout("grid", grid=(GRID, GRID))
        encodings = []
        for image in check_images(items):
            gray = Image.fromarray(image, "RGB").convert("L").resize((SIDE, SIDE), Image.Resampling.BOX)
            pixels = np.asarray(gray, dtype=np.float32) / 255.0
            tokens = pixels.reshape(GRID, PATCH, GRID, PATCH).transpose(0, 2, 1, 3).reshape(GRID * GRID, -1)
            encodings.append(Encoding(pixels.reshape(-1).copy(), np.ascontiguousarray(tokens), layout))
        return encodings
