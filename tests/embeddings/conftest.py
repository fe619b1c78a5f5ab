"""A small AV-Digits dataset folder (exported, then cut to a subset) and cheap built-in encoders,
so the "your data" path runs end to end in seconds."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from fusion.userdata.export import export_avdigits

CHEAP = {"image": "pixels", "audio": "logmel", "text": "words"}
SUBSET = {"train": 300, "val": 80, "test": 80}


def cut_export(source: Path, dest: Path, sizes: dict[str, int]) -> Path:
    """A copy of an exported folder holding the first ``sizes[split]`` rows of each split."""
    with (source / "manifest.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    kept, seen = [], dict.fromkeys(sizes, 0)
    for row in rows:
        if seen[row["split"]] < sizes[row["split"]]:
            seen[row["split"]] += 1
            kept.append(row)
    for row in kept:
        for column in ("image", "audio"):
            (dest / row[column]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / row[column], dest / row[column])
    with (dest / "manifest.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return dest


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory) -> Path:
    return export_avdigits(tmp_path_factory.mktemp("small") / "digits-small", progress=False, rows=SUBSET)


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FUSION_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def small_embedded(small_dataset, session_cache):
    from fusion.embeddings.cache import EmbeddingCache
    from fusion.embeddings.runs import load_dataset

    return load_dataset(small_dataset, CHEAP, cache=EmbeddingCache(session_cache), progress=False)


CHEAP_FLAGS = ["--image-encoder", "pixels", "--audio-encoder", "logmel", "--text-encoder", "words"]


def train_heads(dataset: Path, cache: Path, out: Path, strategies: tuple[str, ...], epochs: int) -> Path:
    """Heads trained by ``train --data`` (the cheap built-in encoders) into the run folder ``out``."""
    from fusion.cli import main

    patch = pytest.MonkeyPatch()
    patch.setenv("FUSION_CACHE_DIR", str(cache))
    try:
        for strategy in strategies:
            assert main(["train", "--data", str(dataset), "--strategy", strategy, *CHEAP_FLAGS,
                         "--epochs", str(epochs), "--out", str(out)]) == 0
    finally:
        patch.undo()
    return out

