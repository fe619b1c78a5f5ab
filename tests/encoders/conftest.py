"""Tiny random models saved the way real ones are (open_clip configs, transformers folders), so
the tests run the real adapter code in seconds, plus a fake Hugging Face cache to put them in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import fusion  # noqa: F401  (first: makes torchvision, hence open_clip and transformers, importable)

TINY_VIT = "fusion-test-tiny-vit"
TINY_RESNET = "fusion-test-tiny-resnet"
TINY_CUSTOM_TEXT = "fusion-test-tiny-custom-text"  # CustomTextCLIP: the text tower is a separate module
TINY_TEXT = {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}
TINY_VISION = {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16}
TINY_OPEN_CLIP = {
    TINY_VIT: {"embed_dim": 16, "text_cfg": TINY_TEXT, "vision_cfg": TINY_VISION},
    TINY_CUSTOM_TEXT: {"embed_dim": 16, "text_cfg": TINY_TEXT, "vision_cfg": TINY_VISION, "custom_text": True},
    TINY_RESNET: {"embed_dim": 16, "text_cfg": TINY_TEXT,
                  "vision_cfg": {"image_size": 64, "layers": [1, 1, 1, 1], "width": 8, "head_width": 16}},
}
WORDS = ("a", "photo", "picture", "of", "the", "dog", "puppy", "stock", "market", "fell", "##s", "seven")


@pytest.fixture(scope="session")
def tiny_open_clip(tmp_path_factory) -> dict[str, str]:
    """Registers tiny open_clip architectures (ViT, ResNet, ViT with a custom text tower); their names."""
    import open_clip

    folder = tmp_path_factory.mktemp("open_clip_configs")
    for name, config in TINY_OPEN_CLIP.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(config))
        open_clip.add_model_config(path)
    return {"vit": TINY_VIT, "resnet": TINY_RESNET, "custom_text": TINY_CUSTOM_TEXT}


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A random 1-layer BERT (hidden 32) with a WordPiece vocabulary, saved with save_pretrained."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny_bert")
    vocab = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]") + WORDS
    BertTokenizer(vocab={token: i for i, token in enumerate(vocab)}).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    BertModel(config).save_pretrained(folder)
    return folder


def _save_wav2vec2(folder: Path, rate: int) -> Path:
    import torch
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    torch.manual_seed(0)
    config = Wav2Vec2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                            conv_dim=(8,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    Wav2Vec2Model(config).save_pretrained(folder)
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=rate, padding_value=0.0, do_normalize=True,
                             return_attention_mask=False).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_wav2vec2(tmp_path_factory) -> Path:
    """A random 1-layer wav2vec2 (hidden 32; 20 ms frames) at 16 kHz."""
    return _save_wav2vec2(tmp_path_factory.mktemp("tiny_wav2vec2"), 16000)


@pytest.fixture(scope="session")
def tiny_wav2vec2_8k(tmp_path_factory) -> Path:
    """The same tiny wav2vec2 whose feature extractor wants 8 kHz (so our 16 kHz input is resampled)."""
    return _save_wav2vec2(tmp_path_factory.mktemp("tiny_wav2vec2_8k"), 8000)


@pytest.fixture(scope="session")
def tiny_ast(tmp_path_factory) -> Path:
    """A random 1-layer Audio Spectrogram Transformer: 32 mel bins, 100 frames (1 s) -> 2x9 patches."""
    import torch
    from transformers import ASTConfig, ASTFeatureExtractor, ASTModel

    folder = tmp_path_factory.mktemp("tiny_ast")
    torch.manual_seed(0)
    config = ASTConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                       num_mel_bins=32, max_length=100, patch_size=16, frequency_stride=10, time_stride=10)
    ASTModel(config).save_pretrained(folder)
    ASTFeatureExtractor(num_mel_bins=32, max_length=100, sampling_rate=16000).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_clap(tmp_path_factory) -> Path:
    """A random CLAP with both towers (1-layer text, 2-stage HTSAT audio, projection 16)."""
    import torch
    from transformers import BertTokenizer, ClapConfig, ClapFeatureExtractor, ClapModel

    folder = tmp_path_factory.mktemp("tiny_clap")
    torch.manual_seed(0)
    text = dict(vocab_size=5 + len(WORDS), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=64, max_position_embeddings=80)
    audio = dict(depths=[1, 1], num_attention_heads=[1, 2], patch_embeds_hidden_size=16, hidden_size=32)
    ClapModel(ClapConfig(text_config=text, audio_config=audio, projection_dim=16)).save_pretrained(folder)
    ClapFeatureExtractor(truncation="rand_trunc").save_pretrained(folder)
    vocab = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]") + WORDS
    BertTokenizer(vocab={token: i for i, token in enumerate(vocab)}).save_pretrained(folder)
    return folder


@pytest.fixture
def empty_hf_cache(tmp_path, monkeypatch) -> Path:
    """Point the Hugging Face cache at an empty folder for this test."""
    cache = tmp_path / "hf_cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


@pytest.fixture
def add_to_hf_cache(empty_hf_cache):
    """``add(repo_id, {name in repo: local file})`` lays files out as huggingface_hub's cache does."""

    def add(repo_id: str, files: dict[str, Path], commit: str = "a" * 40) -> Path:
        root = empty_hf_cache / f"models--{repo_id.replace('/', '--')}"
        snapshot = root / "snapshots" / commit
        snapshot.mkdir(parents=True)
        for name, source in files.items():
            shutil.copy(source, snapshot / name)
        (root / "refs").mkdir()
        (root / "refs" / "main").write_text(commit)
        return snapshot

    return add


@pytest.fixture
def images() -> list[np.ndarray]:
    """Three uint8 RGB images of different sizes."""
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((40, 60), (90, 30), (32, 32))]


@pytest.fixture
def waves() -> list[np.ndarray]:
    """Three 16 kHz noise clips: 0.05 s (shorter than one 100 ms token), 0.5 s and 1.2 s."""
    rng = np.random.default_rng(0)
    return [(0.3 * rng.standard_normal(int(s * 16000))).astype(np.float32) for s in (0.05, 0.5, 1.2)]


@pytest.fixture
def texts() -> list[str]:
    return ["a photo of a dog", "the stock market fell", "Seven dogs"]
