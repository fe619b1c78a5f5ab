"""The project's own encoders (no weights): values checked by hand."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from fusion.encoders import load_encoder
from fusion.encoders.words import bucket
from fusion.errors import InputError


def test_pixels_are_a_grayscale_thumbnail_cut_into_a_4x4_grid_of_patches() -> None:
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    image[:16, 48:] = 255  # top-right 16x16 corner white: exactly thumbnail patch (row 0, col 3)
    encoding = load_encoder("pixels", "image").encode([image])[0]
    thumbnail = encoding.pooled.reshape(16, 16)
    assert thumbnail[:4, 12:].min() == 1.0 and thumbnail.sum() == 16.0
    assert encoding.layout.grid == (4, 4) and encoding.tokens.shape == (16, 16)
    assert [int(i) for i in np.flatnonzero(encoding.tokens.sum(axis=1))] == [3]
    np.testing.assert_array_equal(encoding.tokens[3], np.ones(16, dtype=np.float32))


def test_pixels_use_luminance_not_one_channel() -> None:
    red, green = np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16, 3), np.uint8)
    red[..., 0], green[..., 1] = 255, 255
    encoder = load_encoder("pixels", "image")
    red_value, green_value = (encoder.encode([x])[0].pooled[0] for x in (red, green))
    assert 0 < red_value < green_value < 1  # ITU-R 601: 0.299 R, 0.587 G


def test_logmel_tokens_are_100_ms_groups_and_pooled_is_mean_and_spread() -> None:
    t = np.arange(int(1.2 * 16000)) / 16000
    tone = (0.9 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    tone[8000:] = 0  # silent after 0.5 s
    encoding = load_encoder("logmel", "audio").encode([tone])[0]
    assert encoding.tokens.shape == (12, 64)
    assert encoding.layout.seconds[0] == (0.0, 0.1) and encoding.layout.seconds[-1] == (1.1, 1.2)
    loudness = encoding.tokens.max(axis=1)  # the tone's mel band
    assert loudness[1:4].min() > loudness[7:].max() + 0.5  # sound then silence, in order
    assert -1.5 < encoding.tokens.min() and encoding.tokens.max() < 1.5  # roughly [-1, 1]
    mean, std = encoding.pooled[:64], encoding.pooled[64:]
    assert np.all(std >= 0) and abs(mean.mean() - encoding.tokens[:12].mean()) < 0.05


def test_logmel_gives_one_token_for_a_clip_shorter_than_a_token_and_cuts_at_10_s() -> None:
    encoder = load_encoder("logmel", "audio")
    short, long = encoder.encode([np.full(400, 0.5, np.float32), np.full(12 * 16000, 0.5, np.float32)])
    assert short.tokens.shape == (1, 64) and short.layout.seconds == ((0.0, 0.025),)
    assert len(long.tokens) == 100 and long.layout.seconds[-1] == (9.9, 10.0)


def test_words_are_stable_hashed_one_hots() -> None:
    encoding = load_encoder("words", "text").encode(["The dog, the DOG and 42 dogs!"])[0]
    assert encoding.layout.labels == ("the", "dog", "the", "dog", "and", "4", "2", "dogs")
    assert np.all(encoding.tokens.sum(axis=1) == 1.0)
    assert encoding.tokens[1].argmax() == bucket("dog") == encoding.tokens[3].argmax()
    assert encoding.pooled[bucket("dog")] == pytest.approx(2 / 8)
    # stable across processes and Python versions: blake2b, pinned
    assert bucket("dog") == int.from_bytes(hashlib.blake2b(b"dog", digest_size=8).digest(), "little") % 256 == 57


def test_words_keep_at_most_32_and_an_empty_text_is_zeros() -> None:
    many, empty = load_encoder("words", "text").encode([" ".join(["word"] * 40), "?!"])
    assert many.tokens.shape == (32, 256)
    assert empty.tokens.shape == (0, 256) and empty.layout.labels == () and not empty.pooled.any()


@pytest.mark.parametrize("name, modality, item", [
    ("pixels", "image", np.zeros((8, 8), np.uint8)),
    ("pixels", "image", np.zeros((8, 8, 3), np.float32)),
    ("logmel", "audio", np.zeros(0, np.float32)),
    ("logmel", "audio", np.zeros((2, 100), np.float32)),
    ("logmel", "audio", np.array([0.0, np.nan], np.float32)),
    ("words", "text", b"bytes"),
])
def test_wrong_inputs_raise_input_errors_that_say_what_is_expected(name, modality, item) -> None:
    with pytest.raises(InputError, match="take"):
        load_encoder(name, modality).encode([item])
