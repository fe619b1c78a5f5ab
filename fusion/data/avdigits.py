"""AV-Digits, the built-in tri-modal dataset: 8x8 handwritten digits, spoken digits, captions.

The files live in assets/avdigits (built by tools/build_avdigits.py; format in its README.md).
Two tasks: "digits" (which digit? image + audio + text, 10 classes) and "match" (is the spoken
digit the written one? image + audio, 2 classes). Corruption is applied at load time
(fusion.data.corruption); the raw arrays are decoded once per root and cached.
"""

from __future__ import annotations

import csv
import functools
import pathlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fusion.data.corruption import PCABasis, apply_corruption
from fusion.formats import MAX_AUDIO_SAMPLES, SAMPLE_RATE
from fusion.paths import ASSETS

TASKS = ("digits", "match")
SPLITS = ("train", "val", "test")
TASK_MODALITIES = {"digits": ("audio", "image", "text"), "match": ("audio", "image")}
TASK_NUM_CLASSES = {"digits": 10, "match": 2}
# The standard (calibrated) corruption of each task: no single modality solves "digits" alone. Audio
# is at 0.8 (-12 dB SNR) since the models mask the padding after each clip: at 0.7 (-8 dB) the
# audio alone scored 0.79 once its padding was no longer read.
STANDARD_CORRUPTION: dict[str, dict[str, float]] = {
    "digits": {"image": 0.75, "audio": 0.8, "text": 0.0},
    "match": {},
}

PIXEL_MAX = 16  # load_digits pixel values are 0..16
_CLIP_NAME = re.compile(r"s(\d{2})_d(\d)")
_INT_COLUMNS = {"index", "digit", "image_index", "label", "speaker", "speed", "pitch"}
# Group columns of every row, from its speaker (speakers.csv): the espeak-ng accent, and the voice's
# variant family (espeak-ng variants m1..m8 are male voices, f1..f5 female, klatt..klatt3 Klatt synthesis).
GROUPS = ("accent", "voice")
VOICE_FAMILIES = {"m": "male", "f": "female", "klatt": "klatt"}
_VARIANT = re.compile(r"(klatt|m|f)\d*")


def default_root() -> pathlib.Path:
    """<repo>/assets/avdigits."""
    return ASSETS / "avdigits"


def _root(root) -> pathlib.Path:
    return default_root() if root is None else pathlib.Path(root).resolve()


@dataclass(frozen=True, eq=False)
class TaskSplit:
    """One split of one task; every array has one row per sample."""

    task: str
    split: str
    image: np.ndarray         # float32 [N, 8, 8] in [0, 1]
    audio: np.ndarray         # float32 [N, MAX_AUDIO_SAMPLES], zero-padded at the end
    audio_length: np.ndarray  # int64 [N] real samples before padding
    text: list[str]           # captions; unused by "match"
    label: np.ndarray         # int64 [N]
    index: np.ndarray         # int64 [N] row in samples.csv ("digits") or match.csv ("match")
    image_digit: np.ndarray   # int64 [N]
    audio_digit: np.ndarray   # int64 [N]
    speaker: np.ndarray       # int64 [N]

    def __len__(self) -> int:
        return len(self.label)


# -------------------------------------------------------------------------------- cached raw data
def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@functools.lru_cache(maxsize=16)
def _table(root: pathlib.Path, name: str) -> dict[str, np.ndarray]:
    """A CSV file of the dataset as {column: read-only array}."""
    path = root / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; rebuild with `python tools/build_avdigits.py`")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {column: _read_only(np.array([row[column] for row in rows],
                                        dtype=np.int64 if column in _INT_COLUMNS else object))
            for column in rows[0]}


@functools.lru_cache(maxsize=4)
def _images(root: pathlib.Path) -> np.ndarray:
    """Raw uint8 images [N, 8, 8] with values 0..16."""
    images = np.load(root / "images.npy", allow_pickle=False)
    if images.dtype != np.uint8 or images.shape[1:] != (8, 8) or images.max() > PIXEL_MAX:
        raise ValueError(f"{root / 'images.npy'} is not uint8 [N, 8, 8] with values 0..{PIXEL_MAX}")
    return _read_only(images)


def _clip_path(clip: str, root: pathlib.Path) -> pathlib.Path:
    if not _CLIP_NAME.fullmatch(clip):
        raise ValueError(f"clip names look like 's07_d3' (speaker 07, digit 3), got {clip!r}")
    return root / "audio" / f"{clip}.flac"


def _decode(path: pathlib.Path) -> np.ndarray:
    import soundfile as sf

    wave, rate = sf.read(path, dtype="float32", always_2d=True)
    if rate != SAMPLE_RATE or wave.shape[1] != 1 or len(wave) > MAX_AUDIO_SAMPLES:
        raise ValueError(f"{path} must be mono {SAMPLE_RATE} Hz and at most {MAX_AUDIO_SAMPLES} "
                         f"samples; it has {wave.shape[1]} channel(s), {rate} Hz, "
                         f"{len(wave)} samples")
    return wave[:, 0]


@dataclass(frozen=True, eq=False)
class _ClipBank:
    """Every clip of a root decoded once, in ``_clip_names`` order: padded waves [M, MAX_AUDIO_SAMPLES]
    and lengths [M]."""

    waves: np.ndarray
    lengths: np.ndarray


@functools.lru_cache(maxsize=4)
def _clip_names(root: pathlib.Path) -> tuple[str, ...]:
    """The names of a root's clips, sorted: a clip's position is its row in the bank."""
    names = tuple(path.stem for path in sorted((root / "audio").glob("*.flac")))
    if not names:
        raise FileNotFoundError(f"no clips in {root / 'audio'}; rebuild with "
                                "`python tools/build_avdigits.py`")
    return names


@functools.lru_cache(maxsize=4)
def _clip_bank(root: pathlib.Path) -> _ClipBank:
    waves, lengths = _decode_padded(root, _clip_names(root))
    return _ClipBank(_read_only(waves), _read_only(lengths))


def _decode_padded(root: pathlib.Path, names) -> tuple[np.ndarray, np.ndarray]:
    """The clips ``names`` decoded: zero-padded waves [N, MAX_AUDIO_SAMPLES] and lengths [N]."""
    waves = np.zeros((len(names), MAX_AUDIO_SAMPLES), dtype=np.float32)
    lengths = np.zeros(len(names), dtype=np.int64)
    for i, name in enumerate(names):
        wave = _decode(root / "audio" / f"{name}.flac")
        waves[i, :len(wave)], lengths[i] = wave, len(wave)
    return waves, lengths


_FEW_CLIPS = 16  # up to this many rows are decoded alone: one Explore sample need not decode all 720 clips


def _clip_waves(root: pathlib.Path, clip_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Padded waves [N, MAX_AUDIO_SAMPLES] and lengths [N] of the clips at ``clip_rows``: the same
    values from the bank of every clip (a split) or decoded one by one (a few rows)."""
    if len(clip_rows) > _FEW_CLIPS:
        bank = _clip_bank(root)
        return bank.waves[clip_rows], bank.lengths[clip_rows].copy()
    names = _clip_names(root)
    return _decode_padded(root, [names[row] for row in clip_rows])


def load_clip(clip: str, root=None) -> np.ndarray:
    """The float32 waveform (16 kHz, unpadded) of one clip, e.g. "s07_d3"."""
    path = _clip_path(clip, _root(root))
    if not path.is_file():
        raise ValueError(f"no clip {clip!r} in {path.parent}")
    return _decode(path)


@functools.lru_cache(maxsize=4)
def _train_image_pca(root: pathlib.Path) -> PCABasis:
    samples = _table(root, "samples.csv")
    train = samples["index"][samples["split"] == "train"]
    return PCABasis.fit(_images(root)[train] / PIXEL_MAX)


def train_image_pca(root=None) -> PCABasis:
    """PCA of the train images (scaled to [0, 1]), the basis of the standard image corruption."""
    return _train_image_pca(_root(root))


# ----------------------------------------------------------------------------------------- tasks
def _choose(kind: str, value: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"unknown {kind} {value!r}; choose one of {tuple(choices)}")


@dataclass(frozen=True, eq=False)
class _SplitRows:
    """Which files make up each row of one split of one task (read-only arrays)."""

    index: np.ndarray
    image_index: np.ndarray
    label: np.ndarray
    clip_rows: np.ndarray
    speaker: np.ndarray
    audio_digit: np.ndarray


@functools.lru_cache(maxsize=16)
def _split_rows(root: pathlib.Path, task: str, split: str) -> _SplitRows:
    samples = _table(root, "samples.csv")
    table = samples if task == "digits" else _table(root, "match.csv")
    rows = np.flatnonzero(table["split"] == split)
    index = table["index"][rows]
    image_index = index if task == "digits" else table["image_index"][rows]
    label = table["digit" if task == "digits" else "label"][rows]
    bank_row = {name: i for i, name in enumerate(_clip_names(root))}
    clip_names = table["clip"][rows]
    clip_rows = np.array([bank_row[name] for name in clip_names], dtype=np.int64)
    parsed = np.array([_CLIP_NAME.fullmatch(name).groups() for name in clip_names], dtype=np.int64).reshape(-1, 2)
    return _SplitRows(*(_read_only(np.array(a)) for a in (index, image_index, label, clip_rows, parsed[:, 0], parsed[:, 1])))


def split_size(task: str, split: str, root=None) -> int:
    _choose("task", task, TASKS)
    _choose("split", split, SPLITS)
    return len(_split_rows(_root(root), task, split).index)


def load_task(task: str, split: str, corruption: Mapping[str, float] | None = None, seed: int = 0,
              root=None, *, image_kind: str = "pca", rows=None) -> TaskSplit:
    """One split of a task (or only its ``rows``, positions in the split), with corruption applied.

    corruption: {modality: level in [0, 1]}; None means STANDARD_CORRUPTION[task], {} means clean.
    seed: seed of the per-sample corruption. image_kind: see corruption.IMAGE_KINDS.

    This is the one function that computes a row's seeded corruption: the randomness of each row
    depends only on (seed, modality, the row's dataset index), so a row loaded alone (``rows=[i]``,
    what Explore and ``explain --sample`` read) is exactly that row of the whole split (what
    training and ``evaluate`` read).
    """
    _choose("task", task, TASKS)
    _choose("split", split, SPLITS)
    levels = dict(STANDARD_CORRUPTION[task] if corruption is None else corruption)
    for modality in levels:
        _choose(f"modality for task {task!r}", modality, TASK_MODALITIES[task])
    root = _root(root)
    table = _split_rows(root, task, split)
    take = np.arange(len(table.index)) if rows is None else np.asarray(rows, dtype=np.int64).reshape(-1)
    if take.size and (take.min() < 0 or take.max() >= len(table.index)):
        raise ValueError(f"rows must lie in 0..{len(table.index) - 1} for the {task} {split} split")
    index, image_index = table.index[take].copy(), table.image_index[take]
    samples = _table(root, "samples.csv")
    image = _images(root)[image_index].astype(np.float32) / PIXEL_MAX
    audio, audio_length = _clip_waves(root, table.clip_rows[take])
    text = list(samples["caption"][image_index])
    pca = _train_image_pca(root) if levels.get("image") and image_kind == "pca" else None
    image, audio, text = apply_corruption(image, audio, audio_length, text, index, levels, seed,
                                          image_kind=image_kind, pca=pca)
    return TaskSplit(task=task, split=split, image=image, audio=audio, audio_length=audio_length,
                     text=text, label=table.label[take].copy(), index=index,
                     image_digit=samples["digit"][image_index].copy(), audio_digit=table.audio_digit[take].copy(),
                     speaker=table.speaker[take].copy())


def voice_family(variant: str) -> str:
    """The family of an espeak-ng variant: "m3" -> "male", "f1" -> "female", "klatt2" -> "klatt"."""
    match = _VARIANT.fullmatch(variant)
    if match is None:
        raise ValueError(f"unknown espeak-ng variant {variant!r}; expected m<N>, f<N> or klatt[<N>]")
    return VOICE_FAMILIES[match.group(1)]


@functools.lru_cache(maxsize=16)
def _split_groups(root: pathlib.Path, task: str, split: str) -> dict[str, tuple[str, ...]]:
    speakers = _table(root, "speakers.csv")
    of_speaker = {int(s): (str(a), voice_family(str(v)))
                  for s, a, v in zip(speakers["speaker"], speakers["accent"], speakers["variant"])}
    rows = [of_speaker[int(s)] for s in _split_rows(root, task, split).speaker]
    return {name: tuple(row[k] for row in rows) for k, name in enumerate(GROUPS)}


def split_groups(task: str, split: str, root=None) -> dict[str, list[str]]:
    """{group column: one value per row of the split, in split order}: the accent and the voice
    family of the speaker each row hears."""
    _choose("task", task, TASKS)
    _choose("split", split, SPLITS)
    return {name: list(values) for name, values in _split_groups(_root(root), task, split).items()}
