"""A user's dataset folder -> a validated :class:`Manifest`: cheap checks only, nothing decoded.

The folder holds ``manifest.csv`` (UTF-8, a header line, then one row per sample) and the files it
names. Columns:

* ``label`` (required): the class, a string (stripped).
* ``image``, ``audio`` (optional): file paths relative to the folder (``/`` or ``\\`` separators).
* ``text`` (optional): the caption itself, inline.
* ``split`` (optional): ``train``, ``val`` or ``test``; without it, a seeded stratified split.
  With train and test rows but no val rows (the common MNIST-style layout), a seeded, stratified
  validation set is carved from the train rows (``val_fraction`` of each class), and the report
  says so.
* ``group`` and ``group:NAME`` (optional, several allowed): what each row belongs to (a speaker's
  accent, a site, ...), for per-group analyses (``python -m fusion reliance``); ``group`` alone is
  the group column named ``group``. Every row needs a value in each of them.

Column names are case-insensitive and may come in any order; blank lines are ignored. At least one
modality column must be there. An empty modality cell means that modality is absent for that row:
the model masks it, just as it does for a modality left out on purpose. Limits: 100,000 rows,
20 MB of manifest, the per-file limits of :mod:`fusion.io`, 10,000 characters of text. A row
with a problem (an empty label, a missing or unsafe file, ...) is skipped and the reason recorded;
only problems with the whole file are fatal (:class:`DatasetError`). Images and audio are decoded
later, at extraction (through :mod:`fusion.io`), which reports undecodable files with
:meth:`Manifest.with_skipped`.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import stat
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from fusion.errors import ConfigError, FusionError
from fusion.io import MAX_TEXT_INPUT_CHARS, read_file
from fusion.modalities import get_modality, list_modalities
from fusion.tasks.base import SPLITS

MANIFEST_NAME = "manifest.csv"
MODALITY_COLUMNS = tuple(list_modalities())  # one column per registered modality, sorted
FILE_COLUMNS = tuple(m for m in MODALITY_COLUMNS if not get_modality(m).inline)  # the others hold the text itself
ALLOWED_COLUMNS = (*MODALITY_COLUMNS, "label", "split")
EXTENSIONS = {m: frozenset(get_modality(m).upload_types) for m in FILE_COLUMNS}
MAX_FILE_BYTES = {m: get_modality(m).max_file_bytes for m in FILE_COLUMNS}
MAX_ROWS = 100_000
MAX_MANIFEST_BYTES = 20 * 1024 * 1024
WINDOWS_DRIVE = re.compile(r"[A-Za-z]:")  # a Windows drive: C:/data/x.png, C:x.png
GROUP_COLUMN = "group"  # "group" or "group:NAME"
GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
MAX_GROUP_COLUMNS = 8
MAX_GROUP_CHARS = 100
PROGRESS_EVERY = 500  # rows between load_manifest's progress calls


class DatasetError(FusionError):
    """A dataset folder, manifest or zip that cannot be used as a whole (the message says why)."""


@dataclass(frozen=True)
class ManifestRow:
    """One usable row. ``line``: 1-based line of manifest.csv where the row starts (header = 1);
    ``files``: absolute resolved paths of the non-empty image / audio cells; ``text``: None when
    the row has no text."""

    line: int
    label: str
    split: str
    files: dict[str, Path]
    text: str | None
    groups: dict[str, str] = field(default_factory=dict)  # group column -> this row's value

    @property
    def modalities(self) -> tuple[str, ...]:
        """The modalities this row has (sorted)."""
        return tuple(sorted([*self.files, *(["text"] if self.text is not None else [])]))


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str


@dataclass(frozen=True)
class Manifest:
    """A checked dataset folder: the usable rows, the skipped ones (and why), the classes."""

    folder: Path
    name: str
    modalities: tuple[str, ...]
    classes: tuple[str, ...]
    rows: tuple[ManifestRow, ...]
    skipped: tuple[SkippedRow, ...]
    seeded_split: bool
    group_names: tuple[str, ...] = ()  # the group columns, in header order
    carved_validation: int = 0  # train rows that became val rows (a split column without val rows)

    def split(self, name: str) -> list[ManifestRow]:
        _check_split_name(name)
        return [row for row in self.rows if row.split == name]

    def label_index(self, label: str) -> int:
        try:
            return self.classes.index(label)
        except ValueError:
            raise ConfigError(f"unknown label {label!r}; the classes are "
                              f"{', '.join(map(repr, self.classes))}.") from None

    def with_skipped(self, extra: Iterable[SkippedRow]) -> Manifest:
        """This manifest without the rows at ``extra``'s lines, their reasons recorded (two reasons
        for one line are joined). Raises DatasetError if too little is left (see load_manifest)."""
        reasons: dict[int, list[str]] = {}
        for skip in extra:
            reasons.setdefault(skip.line, []).append(skip.reason)
        unknown = sorted(set(reasons) - {row.line for row in self.rows})
        if unknown:
            raise ValueError(f"lines {unknown} are not usable rows of this manifest")
        if not reasons:
            return self
        rows = [row for row in self.rows if row.line not in reasons]
        added = [SkippedRow(line, "; ".join(texts)) for line, texts in reasons.items()]
        skipped = tuple(sorted([*self.skipped, *added], key=lambda s: s.line))
        return replace(_checked(self.folder, self.modalities, rows, skipped, self.seeded_split, self.group_names),
                       carved_validation=self.carved_validation)

    def report(self) -> dict:
        """A JSON-ready summary: rows per split and per class, modalities, skipped rows."""
        per_split = Counter(row.split for row in self.rows)
        per_class = Counter((row.label, row.split) for row in self.rows)
        present = Counter(m for row in self.rows for m in row.modalities)
        return {
            "name": self.name,
            "folder": str(self.folder),
            "modalities": list(self.modalities),
            "classes": list(self.classes),
            "seeded_split": self.seeded_split,
            "carved_validation": self.carved_validation,
            "rows": len(self.rows),
            "splits": {split: per_split[split] for split in SPLITS},
            "class_counts": {label: {split: per_class[label, split] for split in SPLITS}
                             for label in self.classes},
            "modality_counts": {m: present[m] for m in self.modalities},
            "group_counts": {name: dict(sorted(Counter(row.groups[name] for row in self.rows).items()))
                             for name in self.group_names},
            "skipped": [{"line": s.line, "reason": s.reason} for s in self.skipped],
            "warnings": _warnings(self),
        }


def _warnings(manifest: Manifest) -> list[str]:
    notes = []
    if manifest.carved_validation:
        notes.append(f"the split column has no val rows: {manifest.carved_validation} train rows (per class, "
                     "seeded) were set aside as validation rows, to pick the best epoch.")
    if not manifest.split("val"):
        notes.append("no val rows: training cannot pick its best epoch on held-out data; add "
                     "val rows to the split column, or drop the column for a seeded split.")
    trained = {row.label for row in manifest.split("train")}
    untrained = [label for label in manifest.classes if label not in trained]
    if untrained:
        notes.append(f"no train rows for class(es) {', '.join(map(repr, untrained))}: the model "
                     "cannot learn them.")
    return notes


def _check_split_name(name: str) -> None:
    if name not in SPLITS:
        raise ConfigError(f"unknown split {name!r}; choose one of {', '.join(SPLITS)}.")


# --------------------------------------------------------------------------------- the whole file
def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_MANIFEST_BYTES:
        raise DatasetError(f"{MANIFEST_NAME} is {size / 1024 / 1024:.1f} MB, more than the "
                           f"{MAX_MANIFEST_BYTES // 1024 // 1024} MB limit; split the dataset or "
                           "drop long text.")
    raw = read_file(path, MANIFEST_NAME, MAX_MANIFEST_BYTES, DatasetError)  # a regular file, at most that
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise DatasetError(f"{MANIFEST_NAME} is not UTF-8 text (byte {error.start} on line {line} "
                           "is not valid UTF-8); re-save it as 'CSV UTF-8'.") from None


def _header(cells: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in cells]
    if not any(columns):
        raise DatasetError(f"the first line of {MANIFEST_NAME} is empty; it must be a header such "
                           "as 'image,audio,text,label'.")
    repeated = sorted({c for c in columns if columns.count(c) > 1 and c})
    if repeated:
        raise DatasetError(f"{MANIFEST_NAME}: column(s) {', '.join(map(repr, repeated))} appear "
                           "more than once in the header; keep one of each.")
    unknown = [repr(c) if c else f"an empty name (column {i + 1})"
               for i, c in enumerate(columns) if c not in ALLOWED_COLUMNS and not _is_group(c)]
    if unknown:
        raise DatasetError(f"{MANIFEST_NAME}: unknown column(s) {', '.join(unknown)}; the allowed "
                           f"columns are {', '.join(ALLOWED_COLUMNS)}, {GROUP_COLUMN} and {GROUP_COLUMN}:NAME "
                           f"(label and at least one of {', '.join(MODALITY_COLUMNS)} are required; split "
                           "and the group columns are optional).")
    _group_names(columns)
    if "label" not in columns:
        raise DatasetError(f"{MANIFEST_NAME} has no 'label' column; add one with each row's class.")
    if not set(columns) & set(MODALITY_COLUMNS):
        raise DatasetError(f"{MANIFEST_NAME} has no modality column; add at least one of "
                           f"{', '.join(MODALITY_COLUMNS)}.")
    return columns


def _is_group(column: str) -> bool:
    return column == GROUP_COLUMN or column.startswith(f"{GROUP_COLUMN}:")


def _group_names(columns: list[str]) -> dict[str, str]:
    """{header column: its group name} of the group columns, checked: ``group`` is the group named
    ``group``; a NAME is 1-32 lowercase letters, digits, ``_ . -``; at most MAX_GROUP_COLUMNS."""
    names = {c: c.partition(":")[2] if ":" in c else GROUP_COLUMN for c in columns if _is_group(c)}
    for column, name in names.items():
        if not GROUP_NAME.match(name):
            raise DatasetError(f"{MANIFEST_NAME}: the group column {column!r} needs a name of 1-32 letters, "
                               "digits, '_', '.' or '-' after 'group:' (e.g. 'group:accent').")
    if len(set(names.values())) < len(names):
        raise DatasetError(f"{MANIFEST_NAME}: 'group' and 'group:group' name the same group column; keep one.")
    if len(names) > MAX_GROUP_COLUMNS:
        raise DatasetError(f"{MANIFEST_NAME} has {len(names)} group columns, more than {MAX_GROUP_COLUMNS}; "
                           "keep the ones you want to compare.")
    return names


def _records(text: str) -> Iterable[tuple[int, list[str] | str]]:
    """(line where the record starts, cells) of every non-blank CSV record, the header included;
    a record with a cell longer than the csv module's field limit comes as (line, the reason) and
    reading goes on after it."""
    lines = iter(io.StringIO(text, newline=""))
    record: list[str] = []  # the physical lines of the record being read
    consumed = 0

    def feed() -> Iterable[str]:
        nonlocal consumed
        for line in lines:
            consumed += 1
            record.append(line)
            yield line

    reader = csv.reader(feed())
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" not in str(error):
                raise DatasetError(f"{MANIFEST_NAME} line {consumed} is not valid CSV ({error}); "
                                   "fix that line (quote cells that contain commas or quotes).") from None
            # Skip to the end of the record: the first line end with an even number of quotes since
            # its start (a quoted cell may span lines). The reader starts afresh on the next line.
            quotes = sum(line.count('"') for line in record)
            while quotes % 2:
                line = next(lines, None)
                if line is None:
                    break
                consumed += 1
                quotes += line.count('"')
            yield start, (f"a cell is longer than {csv.field_size_limit():,} characters (the CSV "
                          f"reader's limit); text cells hold at most {MAX_TEXT_INPUT_CHARS:,}.")
            cells = []
        if cells:
            yield start, cells
        record.clear()
        start = consumed + 1


# ------------------------------------------------------------------------------------------- rows
def _inside(folder: str, real: str) -> bool:
    return real == folder or real.startswith(os.path.join(folder, ""))


def _resolve_file(folder: str, modality: str, cell: str, real_dirs: dict[str, str]
                  ) -> Path | str:
    """A path cell -> the resolved file, or the reason it cannot be used (cheap checks only).

    os.path, not pathlib, and ``real_dirs`` caching each directory's real path: this runs for
    every cell of up to 100,000 rows, and resolving every path component each time is slow.
    """
    relative = cell.replace("\\", "/")
    what = f"{modality} {cell!r}"
    if relative.startswith("/") or WINDOWS_DRIVE.match(relative):
        return f"{what} is an absolute path; give paths relative to the dataset folder."
    if ".." in relative.split("/"):
        return f"{what} uses '..' to leave the dataset folder; keep files inside it."
    suffix = os.path.splitext(relative)[1].lower()
    if suffix[1:] not in EXTENSIONS[modality]:
        kind = f"an unknown {modality} type ({suffix})" if suffix else "no file extension"
        return (f"{what} has {kind}; use one of "
                f"{', '.join('.' + e for e in sorted(EXTENSIONS[modality]))}.")
    outside = f"{what} is a link that points outside the dataset folder; copy the file in."
    try:
        head, name = os.path.split(relative)
        if head not in real_dirs:
            real_dirs[head] = os.path.realpath(os.path.join(folder, head))
        real = os.path.join(real_dirs[head], name)
        if not _inside(folder, real_dirs[head]):
            return outside
        info = os.lstat(real)
        if stat.S_ISLNK(info.st_mode):
            real = os.path.realpath(real)
            if not _inside(folder, real):
                return outside
            info = os.stat(real)
    except FileNotFoundError:
        return f"{what} does not exist; check the path (it is relative to the folder)."
    except (OSError, ValueError) as error:  # permissions, NUL, link loops
        return f"{what} cannot be read ({error})."
    if not stat.S_ISREG(info.st_mode):
        return f"{what} is not a regular file."
    if info.st_size == 0:
        return f"{what} is empty (0 bytes)."
    if info.st_size > MAX_FILE_BYTES[modality]:
        return (f"{what} is {info.st_size / 1024 / 1024:.1f} MB, more than the "
                f"{MAX_FILE_BYTES[modality] // 1024 // 1024} MB limit.")
    return Path(real)


def _parse_row(folder: str, columns: list[str], cells: list[str], line: int,
               real_dirs: dict[str, str], group_columns: dict[str, str] | None = None) -> ManifestRow | SkippedRow:
    if len(cells) != len(columns):
        return SkippedRow(line, f"has {len(cells)} cells but the header has {len(columns)}; "
                                "quote cells that contain commas.")
    cell = dict(zip(columns, cells))
    label = cell["label"].strip()
    if not label:
        return SkippedRow(line, "empty label.")
    split = cell.get("split", "").strip().lower()
    if "split" in cell and split not in SPLITS:
        given = f"unknown split {cell['split'].strip()!r}" if split else "empty split"
        return SkippedRow(line, f"{given}; use one of {', '.join(SPLITS)}.")
    files = {}
    for modality in FILE_COLUMNS:
        value = cell.get(modality, "").strip()
        if value:
            resolved = _resolve_file(folder, modality, value, real_dirs)
            if isinstance(resolved, str):
                return SkippedRow(line, resolved)
            files[modality] = resolved
    text = cell.get("text", "").strip() or None
    if text is not None and len(text) > MAX_TEXT_INPUT_CHARS:
        return SkippedRow(line, f"text is {len(text):,} characters, more than the "
                                f"{MAX_TEXT_INPUT_CHARS:,} limit.")
    if not files and text is None:
        present = [m for m in MODALITY_COLUMNS if m in cell]
        return SkippedRow(line, f"no input: the {', '.join(present)} cell(s) are all empty.")
    groups = {}
    for column, name in (group_columns or {}).items():
        value = cell[column].strip()
        if not value:
            return SkippedRow(line, f"empty {column!r} cell; give every row a group (e.g. 'unknown').")
        if len(value) > MAX_GROUP_CHARS:
            return SkippedRow(line, f"the {column!r} cell has {len(value):,} characters, more than "
                                    f"the {MAX_GROUP_CHARS} limit.")
        groups[name] = value
    return ManifestRow(line=line, label=label, split=split, files=files, text=text, groups=groups)


# ---------------------------------------------------------------------------------- seeded split
def _split_counts(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    """(val, test) rows of a class of n: at least one each when n >= 3, one test when n == 2
    (a fraction of 0 asks for none)."""
    val, test = round(n * val_fraction), round(n * test_fraction)
    if n >= 3:
        val, test = max(val_fraction > 0, val), max(test_fraction > 0, test)
    elif n == 2:
        val, test = 0, max(test_fraction > 0, test)
    else:
        val, test = 0, 0
    while val + test > n - 1:  # keep at least one train row
        if val >= test:
            val -= 1
        else:
            test -= 1
    return int(val), int(test)


def seeded_split(rows: list[ManifestRow], seed: int, val_fraction: float, test_fraction: float
                 ) -> list[ManifestRow]:
    """Rows with a split drawn per class (stratified), in their original order. Each class is
    shuffled by its own generator (seed, CRC of the label), so a class's split does not depend on
    the other classes."""
    by_class: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_class.setdefault(row.label, []).append(i)
    split = [""] * len(rows)
    for label, members in by_class.items():
        rng = np.random.default_rng([seed, zlib.crc32(label.encode("utf-8"))])
        order = [members[k] for k in rng.permutation(len(members))]
        val, test = _split_counts(len(members), val_fraction, test_fraction)
        for k, i in enumerate(order):
            split[i] = "test" if k < test else "val" if k < test + val else "train"
    return [replace(row, split=s) for row, s in zip(rows, split)]


def _check_settings(seed: int, val_fraction: float, test_fraction: float) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}.")
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= value < 1.0:
            raise ConfigError(f"{name} must be in [0, 1), got {value!r}.")
    if val_fraction + test_fraction >= 1.0:
        raise ConfigError(f"val_fraction + test_fraction must be below 1 (leave rows to train), "
                          f"got {val_fraction} + {test_fraction}.")


# ------------------------------------------------------------------------------------ public API
def _checked(folder: Path, modalities: tuple[str, ...], rows: list[ManifestRow],
             skipped: tuple[SkippedRow, ...], seeded: bool, group_names: tuple[str, ...] = ()) -> Manifest:
    """A Manifest, or DatasetError if what is left cannot train and test a classifier."""
    if not rows:
        first = "; ".join(f"line {s.line}: {s.reason}" for s in skipped[:3])
        raise DatasetError(f"{MANIFEST_NAME} has no usable rows"
                           + (f": all {len(skipped)} were skipped (e.g. {first})" if skipped
                              else "; add one row per sample under the header") + ".")
    classes = tuple(sorted({row.label for row in rows}))
    if len(classes) < 2:
        raise DatasetError(f"a single class ({classes[0]!r}) in {MANIFEST_NAME}'s usable rows; a "
                           "classifier needs at least 2 different labels.")
    present = {row.split for row in rows}
    for needed in ("train", "test"):
        if needed not in present:
            fix = ("add rows or give a split column" if seeded
                   else f"mark some rows '{needed}' in the split column")
            raise DatasetError(f"no {needed} rows in {MANIFEST_NAME}'s usable rows; {fix}.")
    return Manifest(folder=folder, name=folder.name, modalities=modalities, classes=classes,
                    rows=tuple(rows), skipped=tuple(skipped), seeded_split=seeded, group_names=group_names)


def load_manifest(folder: Path | str, seed: int = 0, val_fraction: float = 0.15,
                  test_fraction: float = 0.15, on_progress: Callable[[int, int], None] | None = None) -> Manifest:
    """Read and check ``folder/manifest.csv`` (see the module docstring for the format).

    Rows with a problem are skipped (``Manifest.skipped`` says why); DatasetError for a problem
    with the whole dataset. Without a split column, rows are split per class, seeded by ``seed``.
    ``on_progress(line, lines)`` is called every ``PROGRESS_EVERY`` rows and at the end (checking
    each row's files is what takes the time: 12 s for 100,000 rows on a busy 2-core machine).
    """
    _check_settings(seed, val_fraction, test_fraction)
    folder = Path(folder)
    if not folder.exists():
        raise DatasetError(f"the dataset folder {str(folder)!r} does not exist; check the path.")
    if not folder.is_dir():
        raise DatasetError(f"{str(folder)!r} is not a folder; give the folder that holds "
                           f"{MANIFEST_NAME}.")
    folder = folder.resolve()
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise DatasetError(f"no {MANIFEST_NAME} in {str(folder)!r}; add one with a header such as "
                           "'image,audio,text,label' and one row per sample.")
    text = _read_text(path)
    lines = max(1, text.count("\n") + (not text.endswith("\n")))
    records = iter(_records(text))
    first = next(records, None)
    if first is None:
        raise DatasetError(f"{MANIFEST_NAME} is empty; its first line must be a header such as "
                           "'image,audio,text,label'.")
    if isinstance(first[1], str):
        raise DatasetError(f"the header of {MANIFEST_NAME}: {first[1]}")
    columns = _header(first[1])
    group_columns = _group_names(columns)
    rows: list[ManifestRow] = []
    skipped: list[SkippedRow] = []
    real_dirs: dict[str, str] = {}
    for count, (line, cells) in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise DatasetError(f"{MANIFEST_NAME} has more than {MAX_ROWS:,} rows; use a subset.")
        if isinstance(cells, str):
            skipped.append(SkippedRow(line, cells))
            continue
        parsed = _parse_row(str(folder), columns, cells, line, real_dirs, group_columns)
        (rows if isinstance(parsed, ManifestRow) else skipped).append(parsed)
        if on_progress is not None and count % PROGRESS_EVERY == 0:
            on_progress(min(line, lines), lines)
    if on_progress is not None:
        on_progress(lines, lines)
    seeded = "split" not in columns
    carved = 0
    if seeded:
        rows = seeded_split(rows, int(seed), val_fraction, test_fraction)
    elif val_fraction > 0 and not any(row.split == "val" for row in rows):
        rows, carved = carve_validation(rows, int(seed), val_fraction)
    modalities = tuple(m for m in MODALITY_COLUMNS if m in columns)
    return replace(_checked(folder, modalities, rows, tuple(skipped), seeded, tuple(group_columns.values())),
                   carved_validation=carved)


def carve_validation(rows: list[ManifestRow], seed: int, val_fraction: float) -> tuple[list[ManifestRow], int]:
    """Rows whose train rows are split (per class, seeded) into train and val; the others kept.
    Returns the rows and how many became val."""
    train = [row for row in rows if row.split == "train"]
    carved = {row.line: row for row in seeded_split(train, seed, val_fraction, 0.0)}
    rows = [carved.get(row.line, row) if row.split == "train" else row for row in rows]
    return rows, sum(row.split == "val" for row in carved.values())


_progress = threading.local()  # the on_progress of the cached_manifest call now reading, per thread


@functools.lru_cache(maxsize=8)
def _manifest_of(folder: str, mtime_ns: int, size: int, seed: int, val_fraction: float, test_fraction: float) -> Manifest:
    return load_manifest(folder, seed, val_fraction, test_fraction, getattr(_progress, "callback", None))


def cached_manifest(folder: Path | str, seed: int = 0, val_fraction: float = 0.15, test_fraction: float = 0.15,
                    on_progress: Callable[[int, int], None] | None = None) -> Manifest:
    """:func:`load_manifest`, read again only when ``manifest.csv`` changes (its path, mtime and
    size), for a page that reruns on every click over a folder of 100,000 rows. The files the rows
    name are checked when the manifest is read, not on every rerun; ``on_progress`` is called only
    when it is read."""
    path = os.path.realpath(folder)
    try:
        info = os.stat(os.path.join(path, MANIFEST_NAME))
    except OSError:
        return load_manifest(folder, seed, val_fraction, test_fraction)  # its own error says what is wrong
    _progress.callback = on_progress
    try:
        return _manifest_of(path, info.st_mtime_ns, info.st_size, seed, val_fraction, test_fraction)
    finally:
        _progress.callback = None
