"""Extraction through the embedding cache: encode once, never again; bad files drop their row."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from fusion.embeddings.cache import EmbeddingCache, as_stored, content_hash
from fusion.embeddings.extract import embed_manifest, encode_sample
from fusion.encoders import load_encoder
from fusion.encoders.base import Encoding, TokenLayout
from fusion.errors import ConfigError, InputError
from fusion.userdata.manifest import load_manifest
from tests.embeddings.conftest import CHEAP, cut_export


def count_encodes(monkeypatch) -> dict[str, int]:
    """Count the items each cheap encoder is asked to encode."""
    counts = {}
    for modality, name in CHEAP.items():
        encoder = load_encoder(name, modality)
        original = type(encoder).encode

        def counting(self, items, original=original, modality=modality):
            counts[modality] = counts.get(modality, 0) + len(items)
            return original(self, items)

        monkeypatch.setattr(type(encoder), "encode", counting)
    return counts


def test_a_second_run_reads_every_embedding_from_the_cache(small_dataset, tmp_path, monkeypatch) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    manifest = load_manifest(small_dataset)
    counts = count_encodes(monkeypatch)
    first = embed_manifest(manifest, CHEAP, cache=cache, progress=False)
    distinct = {
        "image": len({content_hash(r.files["image"].read_bytes()) for r in manifest.rows}),
        "audio": len({content_hash(r.files["audio"].read_bytes()) for r in manifest.rows}),
        "text": len({content_hash(r.text) for r in manifest.rows}),
    }
    assert counts == distinct, "each distinct content is encoded exactly once"
    assert distinct["text"] < len(manifest.rows)  # captions repeat: the dataset really has duplicates
    counts.clear()
    second = embed_manifest(manifest, CHEAP, cache=cache, progress=False)
    assert counts == {}, "nothing may be re-encoded"
    for m in CHEAP:
        a, b = first.encodings[m][5], second.encodings[m][5]
        np.testing.assert_array_equal(a.pooled, b.pooled)
        np.testing.assert_array_equal(a.tokens, b.tokens)  # a fresh encode is rounded as the cache stores it
        assert a.layout == b.layout


def test_a_damaged_cache_entry_is_encoded_again(small_dataset, tmp_path) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    encoder = load_encoder("pixels", "image")
    path = small_dataset / "images" / "test_0000.png"
    digest = content_hash(path.read_bytes())
    embed_manifest(load_manifest(small_dataset), {"image": "pixels", "audio": None, "text": None}, cache=cache, progress=False)
    entry = cache.path(encoder, digest)
    entry.write_bytes(b"not safetensors")
    assert cache.get(encoder, digest) is None
    again = embed_manifest(load_manifest(small_dataset), {"image": "pixels", "audio": None, "text": None}, cache=cache, progress=False)
    assert cache.get(encoder, digest) is not None
    assert again.encoders == {"image": "pixels"}


def test_an_undecodable_file_drops_its_row_with_the_reason(small_dataset, tmp_path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(small_dataset, folder)
    (folder / "images" / "train_0003.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    manifest = load_manifest(folder)
    dataset = embed_manifest(manifest, CHEAP, cache=EmbeddingCache(tmp_path / "cache"), progress=False)
    assert len(dataset.manifest.rows) == len(manifest.rows) - 1
    reasons = {s.line: s.reason for s in dataset.manifest.skipped}
    assert reasons == {5: reasons[5]} and "could not read the image" in reasons[5]
    assert all(len(column) == len(dataset.manifest.rows) for column in dataset.encodings.values())


def test_leaving_every_modality_out_or_naming_a_missing_column_is_refused(small_dataset, tmp_path) -> None:
    manifest = load_manifest(small_dataset)
    with pytest.raises(ConfigError, match="no modality left"):
        embed_manifest(manifest, {"image": None, "audio": "none", "text": None}, progress=False)
    folder = cut_export(small_dataset, tmp_path / "two", {"train": 6, "val": 3, "test": 3})
    lines = (folder / "manifest.csv").read_text().splitlines()
    (folder / "manifest.csv").write_text("\n".join(",".join(c for i, c in enumerate(l.split(",")) if i != 2) for l in lines) + "\n")
    with pytest.raises(ConfigError, match="no text column"):
        embed_manifest(load_manifest(folder), {"text": "words"}, progress=False)


def test_one_sample_is_encoded_through_fusion_io(small_dataset, tmp_path) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    image = (small_dataset / "images" / "test_0001.png").read_bytes()
    encodings = encode_sample({"image": image, "text": "a seven"}, CHEAP, cache)
    assert set(encodings) == {"image", "text"}
    assert encodings["text"].layout.labels == ("a", "seven")
    with pytest.raises(InputError, match="audio"):
        encode_sample({"audio": b"RIFF....WAVE not really"}, CHEAP, cache)


def _open_maps() -> int:
    with open("/proc/self/maps") as maps:
        return sum(1 for _ in maps)


def test_reading_many_cache_entries_leaves_no_memory_map_open(tmp_path) -> None:
    """One map per entry read used to stay open while its tensors lived: at 100,000 rows the
    process hit the ~65,000 map limit ("unable to mmap ... Cannot allocate memory")."""
    cache = EmbeddingCache(tmp_path / "cache")
    encoder = load_encoder("words", "text")
    rng = np.random.default_rng(0)
    stored = {}
    for i in range(2000):
        encoding = Encoding(rng.standard_normal(6).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32),
                            TokenLayout("words", labels=("a", "b", "c")))
        digest = content_hash(f"caption {i}")
        cache.put(encoder, digest, encoding)
        stored[digest] = as_stored(encoding)
    before = _open_maps()
    read = {digest: cache.get(encoder, digest) for digest in stored}  # all kept alive
    assert _open_maps() - before < 100
    for digest, expected in stored.items():
        got = read[digest]
        assert got.layout == expected.layout
        assert np.array_equal(got.pooled, expected.pooled) and np.array_equal(got.tokens, expected.tokens)
