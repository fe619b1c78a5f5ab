"""Video encoders: ``frames:<image encoder>`` (one token per sampled frame, offline with
efficientnet-lite0) and Hugging Face video models (VideoMAE, TimeSformer, X-CLIP) as tiny random
configs saved in the test (no downloads), loaded by folder and from a fake Hugging Face cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fusion.encoders import list_encoders, load_encoder, registry
from fusion.errors import ConfigError, InputError
from fusion.video_io import ENCODER_FRAMES, decode_video_rgb
from tests.encoders.test_hf import fresh_registry  # noqa: F401 - pytest fixture
from tools import drawn_clips as clips

TINY = dict(image_size=32, patch_size=16, num_frames=4, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
            intermediate_size=37)


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return decode_video_rgb(clips.drawn_clip(4, "right", clips.SETTINGS[0]))


def test_rgb_frames_are_spread_over_the_clip_and_bounded_in_size(clip) -> None:
    assert clip.shape == (ENCODER_FRAMES, 64, 64, 3) and clip.dtype == np.uint8
    big = decode_video_rgb(clips.encode(clips.digit_clip(1, "up", size=320, frames=90), "mp4", "libx264"), frames=5, side=100)
    assert big.shape == (5, 100, 100, 3)  # 90 frames decoded, at most 4 x 5 of them held at a time
    columns = [np.flatnonzero(f[..., 0].max(0) > 128).mean() for f in clip]  # the digit moves right
    assert all(b > a for a, b in zip(columns, columns[1:]))


def test_frames_encoder_gives_one_token_per_frame_in_time_order(clip) -> None:
    encoder = load_encoder("frames:pixels", "video")
    image = load_encoder("pixels", "image")
    (encoding,) = encoder.encode([clip])
    assert encoding.tokens.shape == (8, image.dim) and encoding.layout.kind == "frames"
    assert encoding.layout.labels == tuple(f"frame {i}" for i in range(1, 9))
    first = image.encode([clip[1]])[0].pooled  # frame 1 of 8 over 16: index 1 (each slot's centre)
    assert np.allclose(encoding.tokens[0], first) and np.allclose(encoding.pooled, encoding.tokens.mean(0))


def test_efficientnet_over_frames_runs_offline_and_is_the_default(clip) -> None:
    row = next(r for r in list_encoders("video") if r.name == "frames:efficientnet-lite0")
    assert row.offline and row.dim == 1280 and registry.DEFAULT_ENCODERS["video"] == row.name
    (encoding,) = load_encoder("frames:efficientnet-lite0", "video").encode([clip[:8]])
    assert encoding.tokens.shape == (8, 1280) and np.isfinite(encoding.tokens).all()


@pytest.mark.parametrize(("name", "modality", "message"), [
    ("frames:efficientnet-lite0", "image", "encodes video"), ("frames:minilm", "video", "encodes text"),
])
def test_frame_encoder_mistakes_are_config_errors(name, modality, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_encoder(name, modality)


def test_a_picture_is_not_a_clip() -> None:
    with pytest.raises(InputError, match="uint8 RGB frames"):
        load_encoder("frames:pixels", "video").encode([np.zeros((8, 8, 3), np.uint8)])


def save_tiny(kind: str, folder: Path) -> Path:
    import torch
    import transformers

    torch.manual_seed(0)
    if kind == "videomae":
        model = transformers.VideoMAEModel(transformers.VideoMAEConfig(tubelet_size=2, **TINY))
    elif kind == "timesformer":
        model = transformers.TimesformerModel(transformers.TimesformerConfig(**TINY))
    else:
        config = transformers.XCLIPConfig(
            text_config=dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37, vocab_size=99),
            vision_config=dict(**TINY, mit_hidden_size=24, mit_intermediate_size=37, mit_num_hidden_layers=1,
                               mit_num_attention_heads=2),
            projection_dim=24, prompt_layers=1, prompt_attention_heads=2, prompt_num_attention_heads=2)
        model = transformers.XCLIPModel(config)
    model.save_pretrained(folder)
    return folder


@pytest.mark.parametrize(("kind", "tokens", "dim"), [("videomae", 2, 32), ("timesformer", 4, 32), ("xclip", 4, 24)])
def test_hugging_face_video_models_give_time_tokens(kind, tokens, dim, clip, tmp_path, fresh_registry) -> None:
    encoder = load_encoder(f"hf:{save_tiny(kind, tmp_path / kind)}", "video")
    assert (encoder.dim, encoder.token_dim) == (dim, 32)
    first, again = encoder.encode([clip])[0], encoder.encode([clip])[0]
    assert first.tokens.shape == (tokens, 32) and first.pooled.shape == (dim,) and first.layout.kind == "frames"
    assert np.array_equal(first.tokens, again.tokens)  # frozen: the same clip, the same tokens
    other = encoder.encode([clip[::-1].copy()])[0]  # the frames reversed: time tokens change
    assert not np.allclose(first.tokens, other.tokens)


def test_a_cached_video_model_id_loads_offline(clip, tmp_path, add_to_hf_cache, fresh_registry) -> None:
    folder = save_tiny("videomae", tmp_path / "videomae")
    add_to_hf_cache("MCG-NJU/videomae-base", {p.name: p for p in folder.iterdir()})
    row = next(r for r in list_encoders("video") if r.name == "hf:MCG-NJU/videomae-base")
    assert row.offline and row.reason is None
    assert load_encoder("hf:MCG-NJU/videomae-base", "video").encode([clip])[0].tokens.shape == (2, 32)


def test_a_text_model_is_not_a_video_encoder(tiny_bert) -> None:
    with pytest.raises(ConfigError, match="not video"):
        load_encoder(f"hf:{tiny_bert}", "video")
