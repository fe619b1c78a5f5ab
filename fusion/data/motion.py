"""Motion, a built-in video + text task made from the AV-Digits images: does the caption describe the clip?

A clip is one AV-Digits 8x8 digit moving left, right, up or down by one pixel a frame across a
16x16 black canvas for 8 frames (near the middle of the other axis), under per-frame noise and flicker (one noisy frame hardly shows
the digit). The caption ("a seven moving up", "the digit 7 goes upward", ...) names a digit and a
direction; label 1 if both are right, else 0 (negatives are wrong in the digit, the direction or
both, a third each). Half of each split matches. The clip alone and the caption alone say nothing
about the label; the direction needs the frames' order.

Only a small table is committed (``assets/motion/clips.csv``, made by ``tools/build_motion.py``):
each row's image, direction, offset and caption. Clips are rendered at load time from the images
and a per-row seed, so a row is the same whichever batch it is loaded in. Images keep AV-Digits'
train / val / test split.
"""

from __future__ import annotations

import csv
import functools
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fusion.data import avdigits
from fusion.data.corruption import check_level, corrupt_text
from fusion.paths import ASSETS
from fusion.video_io import VIDEO_FRAMES, VIDEO_SIZE

DIRECTIONS = ("left", "right", "up", "down")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ADVERBS = {"left": "to the left", "right": "to the right", "up": "upward", "down": "downward"}
# {w}: the digit as a word, {d}: as a numeral, {dir}: left/right/up/down, {adv}: its adverb
PHRASINGS = (
    "a {w} moving {dir}",
    "the digit {d} goes {adv}",
    "a {d} sliding {dir}",
    "the number {w} travels {adv}",
    "{w} drifting {dir}",
    "a handwritten {w} heading {adv}",
)
OFFSETS = (4, 4)  # the digit's position across its motion: rows (columns) 4..11, the middle of the canvas
NOISE_STD = 0.15  # per-pixel Gaussian noise of every frame
FLICKER = 0.2  # each frame's brightness is scaled by a factor in [1 - FLICKER, 1]
TRAIN_COPIES = 2  # rows per training image in the table (training draws fresh rows every epoch)
CODE_CLIP, CODE_TABLE, CODE_VIDEO_CORRUPTION, CODE_SHUFFLE = 11, 12, 13, 14
COLUMNS = ("index", "split", "image_index", "digit", "direction", "offset", "caption_digit", "caption_direction",
           "phrasing", "label")
TRAINING_WRONG = (0.5, 0.25, 0.25)  # kinds of negatives in training draws (digit, direction, both)
TRAINING_KEYS = 10_000_000  # keys of the clips drawn for training (table rows are below)
CONDITIONS = ("frames_shuffled",)  # evaluation conditions beyond the corruption levels


def motion_root() -> pathlib.Path:
    return ASSETS / "motion"


def caption(digit: int, direction: int, phrasing: int) -> str:
    name = DIRECTIONS[direction]
    return PHRASINGS[phrasing].format(w=NUMBER_WORDS[digit], d=digit, dir=name, adv=ADVERBS[name])


@functools.lru_cache(maxsize=1)
def every_caption() -> tuple[str, ...]:
    """Every caption the generator can write (the text models' vocabulary is built from them)."""
    return tuple(caption(d, k, p) for d in range(10) for k in range(len(DIRECTIONS)) for p in range(len(PHRASINGS)))


# ------------------------------------------------------------------------------------ the table
def draw_rows(image_index: np.ndarray, digits: np.ndarray, seed: int,
              wrong: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)) -> dict[str, np.ndarray]:
    """Rows for these images: a direction and offset per clip, a caption, exactly half matching;
    a negative is wrong in the digit, the direction or both with the probabilities ``wrong``."""
    kinds = wrong
    rng = np.random.default_rng([CODE_TABLE, int(seed)])
    n = len(image_index)
    direction = rng.integers(len(DIRECTIONS), size=n)
    offset = rng.integers(OFFSETS[0], OFFSETS[1] + 1, size=n)
    label = np.zeros(n, dtype=np.int64)
    label[rng.permutation(n)[: n // 2]] = 1
    wrong = rng.choice(3, size=n, p=np.asarray(kinds) / sum(kinds))  # 0: digit wrong, 1: direction wrong, 2: both
    other_digit = (digits + rng.integers(1, 10, size=n)) % 10
    other_direction = (direction + rng.integers(1, len(DIRECTIONS), size=n)) % len(DIRECTIONS)
    caption_digit = np.where((label == 0) & (wrong != 1), other_digit, digits)
    caption_direction = np.where((label == 0) & (wrong != 0), other_direction, direction)
    return {"image_index": np.asarray(image_index, dtype=np.int64), "digit": np.asarray(digits, dtype=np.int64),
            "direction": direction, "offset": offset, "caption_digit": caption_digit,
            "caption_direction": caption_direction, "phrasing": rng.integers(len(PHRASINGS), size=n), "label": label}


def build_table(root=None) -> list[dict[str, object]]:
    """The committed table: every val / test image once, every train image TRAIN_COPIES times,
    in AV-Digits' split (see ``tools/build_motion.py``)."""
    samples = avdigits._table(avdigits._root(root), "samples.csv")
    rows: list[dict[str, object]] = []
    for code, split in enumerate(avdigits.SPLITS):
        images = samples["index"][samples["split"] == split]
        images = np.tile(images, TRAIN_COPIES) if split == "train" else images
        drawn = draw_rows(images, samples["digit"][images], seed=code)
        for i in range(len(images)):
            rows.append({"index": len(rows), "split": split, **{k: int(v[i]) for k, v in drawn.items()}})
    return rows


def write_table(path: pathlib.Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "direction": DIRECTIONS[row["direction"]], "caption_direction": DIRECTIONS[row["caption_direction"]]})


@functools.lru_cache(maxsize=2)
def _table(root: pathlib.Path) -> dict[str, np.ndarray]:
    path = root / "clips.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; rebuild with `python tools/build_motion.py`")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = {}
    for column in COLUMNS:
        values = [row[column] for row in rows]
        if column == "split":
            table[column] = np.array(values, dtype=object)
        elif column in ("direction", "caption_direction"):
            table[column] = np.array([DIRECTIONS.index(v) for v in values], dtype=np.int64)
        else:
            table[column] = np.array(values, dtype=np.int64)
        table[column].setflags(write=False)
    return table


def _rows(split: str, root=None) -> dict[str, np.ndarray]:
    table = _table(pathlib.Path(root).resolve() if root is not None else motion_root())
    keep = table["split"] == split
    return {k: v[keep] for k, v in table.items()}


def split_size(split: str, root=None) -> int:
    avdigits._choose("split", split, avdigits.SPLITS)
    return int(len(_rows(split, root)["index"]))


# ---------------------------------------------------------------------------------- rendering
def trajectory(direction: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-left (row, column) of the digit in every frame: ``[N, 8]`` each."""
    t = np.arange(VIDEO_FRAMES)[None]
    along = {0: VIDEO_FRAMES - 1 - t, 1: t, 2: VIDEO_FRAMES - 1 - t, 3: t}  # left, right, up, down
    moving = np.stack([along[int(k)][0] for k in range(len(DIRECTIONS))])[direction]
    fixed = np.broadcast_to(np.asarray(offset)[:, None], moving.shape)
    horizontal = (direction <= 1)[:, None]
    return np.where(horizontal, fixed, moving), np.where(horizontal, moving, fixed)


def render(images: np.ndarray, direction: np.ndarray, offset: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Clips ``[N, 8, 16, 16]`` in [0, 1]: each 8x8 image moving, with noise and flicker drawn from
    ``default_rng([CODE_CLIP, key])`` (``keys``: one per clip)."""
    n = len(images)
    clips = np.zeros((n, VIDEO_FRAMES, VIDEO_SIZE, VIDEO_SIZE), dtype=np.float32)
    top, left = trajectory(np.asarray(direction), np.asarray(offset))
    for i in range(n):
        for t in range(VIDEO_FRAMES):
            clips[i, t, top[i, t]:top[i, t] + 8, left[i, t]:left[i, t] + 8] = images[i]
    for i, key in enumerate(np.asarray(keys, dtype=np.int64)):
        rng = np.random.default_rng([CODE_CLIP, int(key)])
        flicker = 1.0 - FLICKER * rng.random((VIDEO_FRAMES, 1, 1), dtype=np.float32)
        clips[i] = clips[i] * flicker + rng.normal(0.0, NOISE_STD, clips.shape[1:]).astype(np.float32)
    return np.clip(clips, 0.0, 1.0)


def corrupt_video(clips: np.ndarray, level: float, seed: int, keys: np.ndarray) -> np.ndarray:
    """Per-frame noise (std ``0.5 * level``) and dropped frames (each black with probability
    ``level / 2``), drawn per clip from ``default_rng([seed, CODE_VIDEO_CORRUPTION, key])``."""
    level = check_level(level)
    clips = np.array(clips, dtype=np.float32)
    if level == 0.0:
        return clips
    for i, key in enumerate(np.asarray(keys, dtype=np.int64)):
        rng = np.random.default_rng([int(seed), CODE_VIDEO_CORRUPTION, int(key)])
        clips[i] += rng.normal(0.0, 0.5 * level, clips.shape[1:]).astype(np.float32)
        clips[i, rng.random(VIDEO_FRAMES) < level / 2] = 0.0
    return np.clip(clips, 0.0, 1.0)


def shuffle_frames(clips: np.ndarray, seed: int, keys: np.ndarray) -> np.ndarray:
    """Each clip's frames in a random order (per clip, seeded): what the digit does stays, when it does it goes."""
    clips = np.array(clips, dtype=np.float32)
    for i, key in enumerate(np.asarray(keys, dtype=np.int64)):
        clips[i] = clips[i][np.random.default_rng([int(seed), CODE_SHUFFLE, int(key)]).permutation(VIDEO_FRAMES)]
    return clips


# -------------------------------------------------------------------------------------- loading
@dataclass(frozen=True, eq=False)
class MotionSplit:
    split: str
    video: np.ndarray  # float32 [N, 8, 16, 16]
    text: list[str]
    label: np.ndarray
    index: np.ndarray  # row in clips.csv (training draws: TRAINING_KEYS and up)
    digit: np.ndarray
    direction: np.ndarray
    caption_digit: np.ndarray
    caption_direction: np.ndarray

    def __len__(self) -> int:
        return len(self.label)


def _images(image_index: np.ndarray) -> np.ndarray:
    return avdigits._images(avdigits.default_root())[image_index].astype(np.float32) / avdigits.PIXEL_MAX


def assemble(split: str, rows: Mapping[str, np.ndarray], index: np.ndarray, corruption: Mapping[str, float], seed: int,
             condition: str | None = None) -> MotionSplit:
    """Rendered (and corrupted) rows; ``index`` keys every row's randomness."""
    if condition is not None and condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose one of {CONDITIONS}")
    video = render(_images(rows["image_index"]), rows["direction"], rows["offset"], index)
    if corruption.get("video"):
        video = corrupt_video(video, corruption["video"], seed, index)
    if condition == "frames_shuffled":
        video = shuffle_frames(video, seed, index)
    text = [caption(int(d), int(k), int(p)) for d, k, p in zip(rows["caption_digit"], rows["caption_direction"], rows["phrasing"])]
    if corruption.get("text"):
        text = corrupt_text(text, corruption["text"], seed, index)
    return MotionSplit(split, video, text, rows["label"].copy(), np.asarray(index).copy(), rows["digit"].copy(),
                       rows["direction"].copy(), rows["caption_digit"].copy(), rows["caption_direction"].copy())


def load_motion(split: str, corruption: Mapping[str, float] | None = None, seed: int = 0, rows=None,
                condition: str | None = None, root=None) -> MotionSplit:
    """One split (or only its ``rows``, positions in the split) at ``corruption`` ({"video": level,
    "text": level}; None: clean, the task's standard) under an optional ``condition``."""
    avdigits._choose("split", split, avdigits.SPLITS)
    table = _rows(split, root)
    take = np.arange(len(table["index"])) if rows is None else np.asarray(rows, dtype=np.int64).reshape(-1)
    if take.size and (take.min() < 0 or take.max() >= len(table["index"])):
        raise ValueError(f"rows must lie in 0..{len(table['index']) - 1} for the motion {split} split")
    chosen = {k: v[take] for k, v in table.items()}
    return assemble(split, chosen, chosen["index"], dict(corruption or {}), seed, condition)


def training_draw(draw: int, root=None) -> MotionSplit:
    """Fresh training rows (new directions, offsets, captions, noise) for every train image, twice;
    half the negatives are wrong in the digit only (the hardest kind: it needs the digit's shape)."""
    samples = avdigits._table(avdigits._root(root), "samples.csv")
    images = np.tile(samples["index"][samples["split"] == "train"], TRAIN_COPIES)
    rows = draw_rows(images, samples["digit"][images], seed=1000 + int(draw), wrong=TRAINING_WRONG)
    keys = TRAINING_KEYS + int(draw) * len(images) + np.arange(len(images))  # never a table row's key
    return assemble("train", rows, keys, {}, 0)
