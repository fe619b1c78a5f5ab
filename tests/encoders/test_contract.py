"""One contract test over every kind of encoder: shapes, dtypes, layouts, determinism, and that an
item's encoding does not depend on the batch it came in (padding must not leak)."""

from __future__ import annotations

import numpy as np
import pytest

from fusion.encoders import Encoder, load_encoder

# id -> (encoder name, modality, fixture that must exist first or None)
CASES = {
    "pixels": ("pixels", "image", None),
    "logmel": ("logmel", "audio", None),
    "words": ("words", "text", None),
    "efficientnet-lite0": ("efficientnet-lite0", "image", None),
    "minilm": ("minilm", "text", None),
    "open_clip-vit-image": ("open_clip:fusion-test-tiny-vit/random", "image", "tiny_open_clip"),
    "open_clip-vit-text": ("open_clip:fusion-test-tiny-vit/random", "text", "tiny_open_clip"),
    "open_clip-resnet-image": ("open_clip:fusion-test-tiny-resnet/random", "image", "tiny_open_clip"),
    "open_clip-custom-text": ("open_clip:fusion-test-tiny-custom-text/random", "text", "tiny_open_clip"),
    "hf-bert": ("hf:{}", "text", "tiny_bert"),
    "hf-wav2vec2": ("hf:{}", "audio", "tiny_wav2vec2"),
    "hf-wav2vec2-8k": ("hf:{}", "audio", "tiny_wav2vec2_8k"),
    "hf-ast": ("hf:{}", "audio", "tiny_ast"),
    "hf-clap-audio": ("hf:{}", "audio", "tiny_clap"),
    "hf-clap-text": ("hf:{}", "text", "tiny_clap"),
}


@pytest.fixture(params=list(CASES))
def case(request) -> tuple[Encoder, list]:
    name, modality, fixture = CASES[request.param]
    if fixture:
        made = request.getfixturevalue(fixture)
        name = name.format(made)
    return load_encoder(name, modality), request.getfixturevalue({"image": "images", "audio": "waves",
                                                                  "text": "texts"}[modality])


def test_encodings_follow_the_contract(case) -> None:
    encoder, items = case
    encodings = encoder.encode(items)
    assert len(encodings) == len(items)
    for encoding in encodings:
        assert encoding.pooled.dtype == np.float32 and encoding.pooled.shape == (encoder.dim,)
        assert np.all(np.isfinite(encoding.pooled))
        if encoder.token_dim is None:
            assert encoding.tokens is None and encoding.layout.kind == "single"
            continue
        tokens, layout = encoding.tokens, encoding.layout
        assert tokens.dtype == np.float32 and tokens.ndim == 2 and tokens.shape[1] == encoder.token_dim
        assert len(tokens) >= 1 and np.all(np.isfinite(tokens))
        expected_kind = {"image": "grid", "audio": "frames", "text": "words"}[encoder.modality]
        assert layout.kind == expected_kind
        if layout.kind == "grid":
            assert layout.grid[0] * layout.grid[1] == len(tokens)
        elif layout.kind == "frames":
            assert len(layout.seconds) == len(tokens)
            starts = [start for start, _ in layout.seconds]
            assert starts == sorted(starts) and all(end > start for start, end in layout.seconds)
        else:
            assert len(layout.labels) == len(tokens)


def test_encoding_is_deterministic_and_independent_of_the_batch(case) -> None:
    encoder, items = case
    together = encoder.encode(items)
    for item, batched in zip(items, together):
        alone = encoder.encode([item])[0]
        np.testing.assert_allclose(alone.pooled, batched.pooled, rtol=1e-4, atol=1e-5)
        if batched.tokens is not None:
            np.testing.assert_allclose(alone.tokens, batched.tokens, rtol=1e-4, atol=1e-5)
            assert alone.layout == batched.layout


def test_the_encoder_describes_itself(case) -> None:
    encoder, _ = case
    info = encoder.info()
    assert (info.name, info.modality, info.dim, info.token_dim) == (encoder.name, encoder.modality, encoder.dim,
                                                                   encoder.token_dim)
    assert info.offline and info.tokens == (encoder.token_dim is not None)
    assert encoder.version and encoder.source
    assert encoder.encode([]) == []
