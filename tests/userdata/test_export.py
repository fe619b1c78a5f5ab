"""export_avdigits: the real AV-Digits "digits" task as a user dataset (exported once)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from fusion.data.avdigits import SPLITS, load_task
from fusion.io import decode_audio, decode_image
from fusion.userdata import DatasetError, export_avdigits, load_manifest
from fusion.tasks import get_task

EXPECTED_ROWS = {"train": 1077, "val": 360, "test": 360}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    return export_avdigits(tmp_path_factory.mktemp("export") / "avdigits", progress=False)


@pytest.fixture(scope="module")
def tasks() -> dict:
    return {split: load_task("digits", split) for split in SPLITS}


def _rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_manifest_loads_cleanly(exported, tasks):
    manifest = load_manifest(exported)
    assert {split: len(tasks[split]) for split in SPLITS} == EXPECTED_ROWS
    assert manifest.report()["splits"] == EXPECTED_ROWS
    assert manifest.classes == tuple(str(d) for d in range(10))
    assert manifest.modalities == ("audio", "image", "text")
    assert manifest.group_names == ("accent", "voice")
    assert manifest.skipped == () and not manifest.seeded_split


def test_rows_follow_load_task(exported, tasks):
    rows = _rows(exported)
    assert list(rows[0]) == ["image", "audio", "text", "label", "split", "group:accent", "group:voice"]
    start = 0
    for split in SPLITS:
        task, part = tasks[split], rows[start:start + len(tasks[split])]
        start += len(task)
        assert {row["split"] for row in part} == {split}
        assert [row["label"] for row in part] == [str(label) for label in task.label]
        assert [row["text"] for row in part] == task.text
        groups = get_task("digits").groups(split)
        assert [row["group:accent"] for row in part] == groups["accent"]
        assert [row["group:voice"] for row in part] == groups["voice"]
        assert part[7]["image"] == f"images/{split}_0007.png"
        assert part[7]["audio"] == f"audio/{split}_0007.wav"


@pytest.mark.parametrize("split", SPLITS)
def test_files_hold_the_task_data(exported, tasks, split):
    task = tasks[split]
    for i in range(0, len(task), 40):
        png = exported / "images" / f"{split}_{i:04d}.png"
        with Image.open(png) as image:
            assert image.size == (8, 8) and image.mode == "L"
            pixels = np.asarray(image)
        assert np.array_equal(pixels, np.round(task.image[i] * 255).astype(np.uint8))
        assert decode_image(png).shape == (8, 8)

        wav = exported / "audio" / f"{split}_{i:04d}.wav"
        info = sf.info(wav)
        assert (info.samplerate, info.channels, info.subtype, info.format) == (16000, 1, "PCM_16",
                                                                               "WAV")
        assert info.frames == task.audio_length[i]
        wave, _ = sf.read(wav, dtype="float32")
        expected = task.audio[i, :task.audio_length[i]]
        expected = 0.9 * expected / np.abs(expected).max()
        assert np.max(np.abs(wave - expected)) < 1e-4
        assert decode_audio(wav).seconds > 0


def test_readme_says_how_it_was_made(exported):
    readme = (exported / "README.md").read_text()
    assert "export_avdigits('DEST', clean=False, seed=0)" in readme
    assert "audio 0.7, image 0.75" in readme


def test_export_is_deterministic(exported, tmp_path):
    again = export_avdigits(tmp_path / "again", progress=False)
    assert _digest(again) == _digest(exported)


def test_refuses_a_non_empty_destination(exported):
    with pytest.raises(DatasetError, match="is not empty"):
        export_avdigits(exported, progress=False)
