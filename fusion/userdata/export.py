"""The built-in "digits" task written out as a user dataset: an example of the manifest format, and
a way to check that a model trained on a folder matches one trained on the built-in data."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from fusion.data.avdigits import GROUPS, SPLITS, STANDARD_CORRUPTION, TaskSplit, load_task, split_groups
from fusion.io import AUDIO_PEAK
from fusion.wav import pcm16_wav
from fusion.userdata._staging import check_free, staged_folder
from fusion.userdata.manifest import MANIFEST_NAME

COLUMNS = ("image", "audio", "text", "label", "split", *(f"group:{name}" for name in GROUPS))

_README = """# AV-Digits ("digits" task) as a user dataset

The built-in AV-Digits "digits" task (which digit? image + audio + text, 10 classes) in the
user-dataset format of Fusion Explorer: `{manifest}` lists one sample per row (`image`, `audio`:
paths relative to this folder; `text`: the caption inline; `label`: the digit "0".."9"; `split`;
`group:accent`, `group:voice`: the speaker's espeak-ng accent and voice family, for per-group analyses).

- {rows}
- Corruption: {corruption}, seed {seed}.{why}
- `images/`: the 8x8 digit images, 8-bit greyscale PNG, 8x8 pixels (value = round(255 * level)).
- `audio/`: the spoken digit, 16 kHz mono 16-bit PCM WAV, the clip's real samples (no padding),
  peak-normalised to {peak} (as the app does with every upload; the noise can push the raw
  waveform beyond full scale).

Made with (DEST: the folder to create):

    python -c "from fusion.userdata import export_avdigits; export_avdigits('DEST', clean={clean}, seed={seed})"

The export is deterministic: the same arguments write the same bytes, wherever DEST is.
"""


def _png(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    pixels = np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, format="PNG")  # 2-D uint8 -> mode L; no timestamp chunk


def _wav(wave: np.ndarray, path: Path) -> None:
    path.write_bytes(pcm16_wav(wave, AUDIO_PEAK))


def _write_split(data: TaskSplit, folder: Path, writer, bar, limit: int | None = None) -> None:
    groups = split_groups("digits", data.split)
    for i in range(len(data) if limit is None else min(limit, len(data))):
        stem = f"{data.split}_{i:04d}"
        image, audio = Path("images", f"{stem}.png"), Path("audio", f"{stem}.wav")
        _png(data.image[i], folder / image)
        _wav(data.audio[i, :data.audio_length[i]], folder / audio)
        writer.writerow([image.as_posix(), audio.as_posix(), data.text[i], str(data.label[i]),
                         data.split, *(groups[name][i] for name in GROUPS)])
        bar.update(1)


def export_avdigits(dest: Path | str, clean: bool = False, seed: int = 0,
                    progress: bool = True, rows: Mapping[str, int] | None = None) -> Path:
    """Write the "digits" task to ``dest`` (missing or empty) as manifest.csv + images/ + audio/.

    clean=False applies the task's standard corruption (seeded by ``seed``), which is what makes
    fusion matter: no single modality is enough. ``rows``: at most this many rows per split (the
    first ones; for tests and benchmarks). Returns ``dest``; DatasetError if it is not empty.
    """
    from tqdm.auto import tqdm

    dest = Path(dest)
    check_free(dest)
    splits = [load_task("digits", split, corruption={} if clean else None, seed=seed)
              for split in SPLITS]
    levels = {} if clean else STANDARD_CORRUPTION["digits"]
    with staged_folder(dest) as folder, \
            tqdm(total=sum(min(len(d), (rows or {}).get(d.split, len(d))) for d in splits), desc="export AV-Digits", unit="row",
                 disable=not progress) as bar:
        (folder / "images").mkdir()
        (folder / "audio").mkdir()
        with open(folder / MANIFEST_NAME, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            for data in splits:
                _write_split(data, folder, writer, bar, (rows or {}).get(data.split))
        corruption = ", ".join(f"{m} {level:g}" for m, level in sorted(levels.items()) if level)
        (folder / "README.md").write_text(_README.format(
            manifest=MANIFEST_NAME, clean=clean, seed=seed, peak=AUDIO_PEAK,
            rows=" / ".join(f"{min(len(d), (rows or {}).get(d.split, len(d)))} {d.split}" for d in splits) + " rows",
            corruption=f"the task's standard levels ({corruption})" if corruption else "none",
            why="" if clean else ("\n  Each modality alone is unreliable; together they are "
                                  "not, which is what fusion is for.")), encoding="utf-8")
    return dest
