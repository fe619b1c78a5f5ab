"""The encoders whose real weights ship in pip packages: efficientnet-lite0 and minilm."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from fusion.encoders import EncoderUnavailable, load_encoder
from fusion.encoders import efficientnet

_MATPLOTLIB = importlib.util.find_spec("matplotlib")
PHOTO = Path(_MATPLOTLIB.origin).parent / "mpl-data/sample_data/grace_hopper.jpg" if _MATPLOTLIB else Path("-")
MILITARY_UNIFORM = 652  # ImageNet class index


@pytest.fixture(scope="module")
def lite0():
    return load_encoder("efficientnet-lite0", "image")


@pytest.fixture(scope="module")
def minilm():
    return load_encoder("minilm", "text")


def test_efficientnet_gives_1280_pooled_and_a_7x7_grid_of_320(lite0) -> None:
    encoding = lite0.encode([np.zeros((300, 500, 3), np.uint8)])[0]
    assert encoding.pooled.shape == (1280,) and encoding.tokens.shape == (49, 320)
    assert encoding.layout.grid == (7, 7)
    assert lite0.version.startswith("efficientnet-lite0:579344248a93")


def test_efficientnet_pooled_is_what_the_imagenet_classifier_reads(lite0) -> None:
    """With the package's ImageNet head on our pooled vector, a photo of Grace Hopper in uniform
    comes out "military uniform": weights, preprocessing and [-1, 1] normalisation all agree."""
    if not PHOTO.is_file():
        pytest.skip("matplotlib's sample photo is not installed")
    from PIL import Image

    photo = np.asarray(Image.open(PHOTO).convert("RGB"))
    pooled = torch.from_numpy(lite0.encode([photo])[0].pooled)
    with torch.no_grad():
        probabilities = lite0.model._fc(pooled).softmax(-1)
        reference = lite0.model(torch.from_numpy(efficientnet.preprocess(photo))[None]).softmax(-1)[0]
    assert int(probabilities.argmax()) == MILITARY_UNIFORM and probabilities.max() > 0.2
    torch.testing.assert_close(probabilities, reference, atol=1e-5, rtol=1e-4)


def test_efficientnet_refuses_weights_with_another_hash_before_unpickling(tmp_path, monkeypatch) -> None:
    forged = tmp_path / "efficientnet-lite0.pth"
    forged.write_bytes(b"not the checked file")
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch.load ran on an unchecked file"))
    with pytest.raises(EncoderUnavailable, match="SHA-256"):
        efficientnet.EfficientNetLite0Encoder(forged)


def test_minilm_gives_384_pooled_and_wordpiece_tokens(minilm) -> None:
    encoding = minilm.encode(["Fusion explains itself."])[0]
    assert encoding.pooled.shape == (384,) and encoding.tokens.shape[1] == 384
    assert encoding.layout.labels[0] == "[CLS]" and encoding.layout.labels[-1] == "[SEP]"
    assert "fusion" in encoding.layout.labels
    np.testing.assert_allclose(encoding.pooled, encoding.tokens.mean(axis=0), atol=1e-5)  # mean pooling
    assert minilm.attn_implementation == "eager"


def test_minilm_pooled_carries_meaning(minilm) -> None:
    dog, puppy, market = (e.pooled / np.linalg.norm(e.pooled) for e in minilm.encode(
        ["a photo of a dog", "a picture of a puppy", "the stock market fell"]))
    assert dog @ puppy > 0.6 and dog @ puppy > dog @ market + 0.4


def test_minilm_keeps_at_most_64_tokens_and_returns_attention(minilm) -> None:
    encodings, attentions = minilm.encode_with_attentions(["word " * 100, "short"])
    assert encodings[0].tokens.shape[0] == 64 and encodings[1].layout.labels == ("[CLS]", "short", "[SEP]")
    assert attentions[1].shape == (6, 12, 3, 3)
    np.testing.assert_allclose(attentions[1].sum(-1), 1.0, atol=1e-5)  # real tokens attend only to real tokens
