"""``frames:<image encoder>``: a clip through a frozen image encoder, one frame at a time.

``FRAMES`` frames are taken evenly over the clip (``fusion.video_io.decode_video_rgb``); each
frame's pooled image embedding is one token, in time order (a ``frames`` layout, so attention and
attributions are drawn per frame); the clip's pooled embedding is their mean. Any image encoder
works (``frames:efficientnet-lite0``, the offline default; ``frames:pixels``;
``frames:open_clip:ViT-B-32/laion2b_s34b_b79k`` when cached).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fusion.encoders.base import Encoder, Encoding
from fusion.encoders.common import check_clips, frame_layout
from fusion.video_io import even_indices

PREFIX = "frames:"
FRAMES = 8


class FramesEncoder(Encoder):
    """Frame tokens from ``image`` (a loaded image ``Encoder``); see the module docstring."""

    modality = "video"

    def __init__(self, image: Encoder, frames: int = FRAMES) -> None:
        self.image, self.frames = image, int(frames)
        self.name = PREFIX + image.name
        self.dim = self.token_dim = image.dim
        self.source = image.source
        self.version = f"{PREFIX}{image.version}:{self.frames}"

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        encodings = []
        for clip in check_clips(items):
            frames = [clip[i] for i in even_indices(len(clip), self.frames)]
            tokens = np.stack([e.pooled for e in self.image.encode(frames)]).astype(np.float32)
            encodings.append(Encoding(tokens.mean(0), tokens, frame_layout(len(tokens))))
        return encodings
