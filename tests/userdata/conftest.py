"""Fixtures: a tiny dataset folder (real PNG / WAV files) and a manifest made of plain lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from userdata_files import write_manifest, write_png, write_wav


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A dataset folder with images/0..5.png and audio/0..5.wav (no manifest yet)."""
    root = tmp_path / "pets"
    for i in range(6):
        write_png(root / "images" / f"{i}.png")
        write_wav(root / "audio" / f"{i}.wav")
    return root


@pytest.fixture
def valid_lines() -> list[str]:
    """Six rows, two classes, every split, every modality."""
    return ["image,audio,text,label,split"] + [
        f"images/{i}.png,audio/{i}.wav,a caption {i},{'cat' if i % 2 else 'dog'},"
        f"{('train', 'train', 'val', 'val', 'test', 'test')[i]}" for i in range(6)]


@pytest.fixture
def make_manifest(folder: Path, valid_lines: list[str]) -> Callable[..., Path]:
    """``make_manifest(*extra_lines)``: the valid rows plus extra ones (lines 8, 9, ...)."""
    def make(*extra: str) -> Path:
        write_manifest(folder, [*valid_lines, *extra])
        return folder
    return make
