"""Tiny dataset files written on the fly: real PNG / WAV files, a manifest from plain lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_png(path: Path) -> Path:
    from PIL import Image

    pixels = np.zeros((8, 8), dtype=np.uint8)
    pixels[1:7, 3:5] = 255  # a "1"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="PNG")
    return path


def write_wav(path: Path) -> Path:
    import soundfile as sf

    t = np.arange(4800) / 16000
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, 0.5 * np.sin(2 * np.pi * 440 * t), 16000, subtype="PCM_16", format="WAV")
    return path


def write_manifest(folder: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path
