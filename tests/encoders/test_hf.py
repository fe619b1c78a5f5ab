"""transformers text and audio models through ``hf:``, run for real on tiny random models saved
with save_pretrained: local folders, the Hugging Face cache, resampling, AST's time columns."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fusion.encoders import EncoderUnavailable, list_encoders, load_encoder
from fusion.encoders import registry
from fusion.errors import ConfigError


@pytest.fixture
def fresh_registry():
    """Forget loaded encoders before and after: this test changes what a name resolves to."""
    registry._load.cache_clear()
    yield
    registry._load.cache_clear()


def test_text_tokens_are_the_real_tokens_with_tokenizer_labels(tiny_bert) -> None:
    encoder = load_encoder(f"hf:{tiny_bert}", "text")
    dog, unknown = encoder.encode(["a photo of a dog", "zebra"])
    assert dog.layout.labels == ("[CLS]", "a", "photo", "of", "a", "dog", "[SEP]")
    assert unknown.layout.labels == ("[CLS]", "[UNK]", "[SEP]")
    assert (encoder.dim, encoder.token_dim, dog.tokens.shape) == (32, 32, (7, 32))
    np.testing.assert_allclose(dog.pooled, dog.tokens.mean(axis=0), atol=1e-6)
    assert encoder.source.startswith("transformers (local folder") and encoder.attn_implementation == "eager"
    _, attentions = encoder.encode_with_attentions(["a dog", "the stock market fell"])
    assert attentions[0].shape == (1, 2, 4, 4)


def test_the_version_follows_the_weights(tiny_bert, tmp_path) -> None:
    import torch
    from transformers import BertModel

    copy = shutil.copytree(tiny_bert, tmp_path / "bert")
    before = load_encoder(f"hf:{copy}", "text").version
    torch.manual_seed(1)
    BertModel(BertModel.config_class.from_pretrained(copy)).save_pretrained(copy)
    registry._load.cache_clear()
    assert load_encoder(f"hf:{copy}", "text").version != before


def test_audio_frames_cover_the_clip_in_20_ms_steps(tiny_wav2vec2, waves) -> None:
    encoder = load_encoder(f"hf:{tiny_wav2vec2}", "audio")
    _, half, _ = encoder.encode(waves)
    assert half.tokens.shape == (24, 32)  # 0.5 s of 20 ms frames (the conv stack eats one)
    assert half.layout.seconds[0][0] == 0.0 and half.layout.seconds[-1][1] == pytest.approx(0.5)
    np.testing.assert_allclose(half.pooled, half.tokens.mean(axis=0), atol=1e-6)


def test_audio_is_resampled_to_the_feature_extractors_rate(tiny_wav2vec2_8k, waves) -> None:
    encoder = load_encoder(f"hf:{tiny_wav2vec2_8k}", "audio")
    assert encoder.rate == 8000
    assert encoder.encode(waves[1:2])[0].tokens.shape == (12, 32)  # 0.5 s at 8 kHz: half the frames


def test_ast_patches_become_time_columns_within_the_clip(tiny_ast, waves) -> None:
    encoder = load_encoder(f"hf:{tiny_ast}", "audio")
    short, half, long = encoder.encode(waves)
    assert half.tokens.shape == (5, 32)  # columns start every 100 ms; 5 start within 0.5 s
    assert half.layout.seconds[:2] == ((0.0, 0.16), (0.1, 0.26))
    assert short.tokens.shape == (1, 32)
    assert long.tokens.shape == (9, 32)  # the model's input is 1 s: all 9 columns


def test_a_cached_model_id_loads_offline_and_lists_as_offline(tiny_wav2vec2, add_to_hf_cache, fresh_registry) -> None:
    files = {p.name: p for p in tiny_wav2vec2.iterdir()}
    add_to_hf_cache("facebook/wav2vec2-base", files)
    row = next(r for r in list_encoders("audio") if r.name == "hf:facebook/wav2vec2-base")
    assert row.offline and row.reason is None
    encoder = load_encoder("hf:facebook/wav2vec2-base", "audio")
    assert encoder.source == "transformers (Hugging Face cache)" and encoder.token_dim == 32


def test_clap_has_both_towers_with_projected_pooled_vectors(tiny_clap, waves) -> None:
    audio, text = load_encoder(f"hf:{tiny_clap}", "audio"), load_encoder(f"hf:{tiny_clap}", "text")
    assert (audio.dim, audio.token_dim, text.dim, text.token_dim) == (16, 32, 16, 32)
    assert audio.rate == 48000
    clip = audio.encode(waves[1:2])[0]
    assert clip.pooled.shape == (16,) and clip.tokens.shape[1] == 32
    assert 0 < clip.layout.seconds[-1][0] < 0.5 < clip.layout.seconds[-1][1]  # tokens within the clip only
    words = text.encode(["a dog"])[0]
    assert words.pooled.shape == (16,) and words.layout.labels == ("[CLS]", "a", "dog", "[SEP]")


def test_weights_that_do_not_fit_the_config_are_refused(tiny_bert, tmp_path) -> None:
    folder = shutil.copytree(tiny_bert, tmp_path / "bert")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "num_hidden_layers": 2}))
    with pytest.raises(EncoderUnavailable, match="do not fit"):
        load_encoder(f"hf:{folder}", "text")


@pytest.mark.parametrize("fixture, modality, message", [
    ("tiny_bert", "audio", "takes text, not audio"),
    ("tiny_bert", "image", "takes text, not image"),
    ("tiny_wav2vec2", "text", "takes audio, not text"),
])
def test_a_model_asked_for_another_modality_is_a_config_error(request, fixture, modality, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_encoder(f"hf:{request.getfixturevalue(fixture)}", modality)


@pytest.mark.parametrize("spec", ["/no/such/folder", "not a model id"])
def test_names_that_are_neither_folders_nor_ids_are_config_errors(spec) -> None:
    with pytest.raises(ConfigError, match="neither a folder"):
        load_encoder(f"hf:{spec}", "text")


def test_a_folder_without_its_tokenizer_says_what_is_missing(tiny_bert, tmp_path) -> None:
    folder = tmp_path / "no_tokenizer"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_bert / name, folder / name)
    with pytest.raises(EncoderUnavailable, match="tokenizer"):
        load_encoder(f"hf:{folder}", "text")
