"""The cache's inventory and pruning (``python -m fusion cache``): counts per encoder folder, only
unreferenced entries removed, nothing outside the cache's own layout ever touched."""

from __future__ import annotations

import os
import time

from fusion.embeddings.cache import ENCODER_RECORD, EmbeddingCache
from fusion.embeddings.extract import encode_shard
from fusion.embeddings.inventory import list_cache, plan_prune, referenced_digests
from fusion.userdata.manifest import load_manifest
from tests.embeddings.conftest import CHEAP, cut_export


def test_list_counts_each_encoders_entries_and_bytes(small_dataset, tmp_path) -> None:
    manifest = load_manifest(cut_export(small_dataset, tmp_path / "data", {"train": 24, "val": 8, "test": 8}))
    cache = EmbeddingCache(tmp_path / "cache")
    encode_shard(manifest, CHEAP, cache, progress=False)
    folders = {f.encoder: f for f in list_cache(cache.root)}
    assert set(folders) == set(CHEAP.values())
    distinct_images = len({row.files["image"].read_bytes() for row in manifest.rows})
    assert folders["pixels"].items == distinct_images and folders["pixels"].modality == "image"
    on_disk = sum(p.stat().st_size for p in folders["pixels"].folder.rglob("*.safetensors"))
    assert folders["pixels"].bytes == on_disk > 0
    (folders["words"].folder / ENCODER_RECORD).unlink()  # an older cache: the encoder comes from the folder name
    assert {f.encoder: f.modality for f in list_cache(cache.root)}["words"] == "text"


def test_prune_removes_only_what_no_manifest_holds_and_nothing_foreign(small_dataset, tmp_path) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    full = load_manifest(cut_export(small_dataset, tmp_path / "full", {"train": 24, "val": 8, "test": 8}))
    encode_shard(full, CHEAP, cache, progress=False)
    part = load_manifest(cut_export(small_dataset, tmp_path / "part", {"train": 8, "val": 3, "test": 3}))
    foreign = cache.root / "notes.txt"
    foreign.write_text("mine")
    stray = next(f.folder for f in list_cache(cache.root)) / "ab" / "not-an-entry.safetensors"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("x")
    old_part = next(f.folder for f in list_cache(cache.root)) / "cd" / ("0" * 64 + ".safetensors.1.2.part")
    old_part.parent.mkdir(exist_ok=True)
    old_part.write_text("half")
    os.utime(old_part, (time.time() - 7200, time.time() - 7200))

    assert plan_prune(cache.root, referenced_digests([full])).count == 1  # only the stale unfinished write
    removal = plan_prune(cache.root, referenced_digests([part]))
    kept = referenced_digests([part])
    removed = [p for paths in removal.files.values() for p in paths]
    assert removed and all(p.name[:64] not in kept for p in removed)
    before = {f.encoder: f.items for f in list_cache(cache.root)}
    assert removal.apply() == removal.count
    after = {f.encoder: f.items for f in list_cache(cache.root)}
    assert all(after[e] < before[e] for e in before)
    assert after["pixels"] == len({row.files["image"].read_bytes() for row in part.rows})
    assert foreign.exists() and stray.exists() and not old_part.exists()

    everything = plan_prune(cache.root, None)
    everything.apply()
    assert list_cache(cache.root) == [] and foreign.exists() and stray.exists()
