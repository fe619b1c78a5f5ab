"""Encoding a folder in shards (what each torchrun rank does), concurrent writers of one cache, and
extraction that holds one batch of decoded inputs at a time."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

import fusion.embeddings.extract as extract
from fusion.embeddings.cache import EmbeddingCache, PARTIAL_SUFFIX
from fusion.embeddings.extract import ENCODE_BATCH, embed_manifest, encode_items, encode_shard
from fusion.embeddings.inventory import list_cache
from fusion.encoders import load_encoder
from fusion.encoders.base import Encoding, TokenLayout
from fusion.errors import ConfigError
from fusion.userdata.manifest import load_manifest
from tests.embeddings.conftest import CHEAP, cut_export


def test_two_shards_fill_the_cache_with_exactly_what_one_process_encodes(small_dataset, tmp_path) -> None:
    manifest = load_manifest(cut_export(small_dataset, tmp_path / "data", {"train": 24, "val": 8, "test": 8}))
    one, two = EmbeddingCache(tmp_path / "one"), EmbeddingCache(tmp_path / "two")
    alone = encode_shard(manifest, CHEAP, one, progress=False)
    shards = [encode_shard(manifest, CHEAP, two, rank, 2, progress=False) for rank in (0, 1)]
    for m in CHEAP:
        assert shards[0][m]["rows"] + shards[1][m]["rows"] == alone[m]["rows"] == len(manifest.rows)
        # a fresh cache: every row encoded, or found in the cache after an identical row was encoded
        assert alone[m]["cached"] + alone[m]["encoded"] == alone[m]["rows"] and alone[m]["failed"] == 0
    assert [(f.encoder, f.items) for f in list_cache(one.root)] == [(f.encoder, f.items) for f in list_cache(two.root)]
    again = encode_shard(manifest, CHEAP, two, progress=False)  # everything is there now
    assert all(again[m]["cached"] == again[m]["rows"] and again[m]["encoded"] == 0 for m in CHEAP)
    from_shards = embed_manifest(manifest, CHEAP, cache=two, progress=False)
    direct = embed_manifest(manifest, CHEAP, cache=one, progress=False)
    for m in CHEAP:
        for row in (0, 7, len(manifest.rows) - 1):
            np.testing.assert_array_equal(from_shards.encodings[m][row].tokens, direct.encodings[m][row].tokens)
    with pytest.raises(ConfigError, match="rank 2"):
        encode_shard(manifest, CHEAP, two, rank=2, world_size=2)


def test_encoding_holds_at_most_one_batch_of_decoded_inputs(tmp_path, monkeypatch) -> None:
    encoder = load_encoder("words", "text")
    read, encoded = [0], [0]
    most = [0]
    original = type(encoder).encode

    def encode(self, items):
        most[0] = max(most[0], read[0] - encoded[0])  # read from the stream but not yet encoded
        encoded[0] += len(items)
        return original(self, items)

    monkeypatch.setattr(type(encoder), "encode", encode)

    def stream():
        for i in range(100):
            read[0] += 1
            yield f"caption number {i}"

    results, errors = encode_items(encoder, stream(), EmbeddingCache(tmp_path), keep=False)
    assert encoded[0] == read[0] == 100 and errors == {}
    assert 0 < most[0] <= ENCODE_BATCH
    assert results == [None] * 100  # keep=False: nothing held, only the cache filled
    assert list_cache(tmp_path)[0].items == 100


def _write_many(root: str, start: int) -> None:
    cache = EmbeddingCache(root)
    encoder = load_encoder("words", "text")
    layout = TokenLayout("words", labels=("a", "b", "c"))
    for round_ in range(30):
        for k in range(10):  # both processes write the same ten entries, with different values
            value = np.full(4, start + round_, dtype=np.float32)
            cache.put(encoder, f"{k:064x}", Encoding(value, np.ones((3, 2), np.float32), layout))


def test_concurrent_writers_of_the_same_entries_leave_whole_files(tmp_path) -> None:
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_write_many, args=(str(tmp_path), start)) for start in (0, 1000)]
    for p in writers:
        p.start()
    for p in writers:
        p.join(60)
        assert p.exitcode == 0
    cache, encoder = EmbeddingCache(tmp_path), load_encoder("words", "text")
    for k in range(10):
        got = cache.get(encoder, f"{k:064x}")
        assert got is not None, "an entry was left half-written"
        assert got.pooled[0] in (29.0, 1029.0)  # one writer's last value, whole
    assert not list(Path(tmp_path).rglob(f"*{PARTIAL_SUFFIX}"))


def test_a_file_that_cannot_be_read_counts_in_progress_and_drops_its_row(small_dataset, tmp_path, monkeypatch) -> None:
    manifest = load_manifest(cut_export(small_dataset, tmp_path / "data", {"train": 12, "val": 4, "test": 4}))
    gone = manifest.rows[3].files["image"]
    real = extract.read_content

    def flaky(modality, value):
        if value == gone:
            raise OSError("unreadable")
        return real(modality, value)

    monkeypatch.setattr(extract, "read_content", flaky)
    seen = {}
    dataset = embed_manifest(manifest, CHEAP, cache=EmbeddingCache(tmp_path / "cache"), progress=False,
                             on_progress=lambda m, done, total: seen.__setitem__(m, (done, total)))
    assert seen["image"] == (len(manifest.rows), len(manifest.rows))  # progress reaches the end
    assert len(dataset.manifest.rows) == len(manifest.rows) - 1
    assert any("unreadable" in s.reason for s in dataset.manifest.skipped)
