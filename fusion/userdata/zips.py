"""A zipped dataset (an upload) -> a folder on disk, refusing anything unsafe before writing a byte.

Every entry is checked first: names that could write outside the folder (absolute, drive letters,
``..``, backslashes, NUL), links and special files, encrypted entries, duplicates, too many files,
too many bytes and zip bombs (a suspicious compression ratio). Only then are the entries streamed
into a temporary sibling folder, counting the bytes really written (headers can lie), which is
renamed into place at the end. ``__MACOSX/`` entries (Finder's resource forks) are left out.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from fusion.userdata._staging import check_free, staged_folder
from fusion.userdata.manifest import MANIFEST_NAME, WINDOWS_DRIVE, DatasetError

CHUNK = 1024 * 1024
RATIO_MIN_BYTES = 1024 * 1024  # smaller entries are not checked for their ratio (text compresses)
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError)


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # the safe path inside the folder

    @property
    def key(self) -> str:
        return "/".join(self.parts)


def _megabytes(count: int) -> str:
    return f"{count / 1e6:,.0f} MB" if count >= 10_000_000 else f"{count / 1e6:.2g} MB"


def _refuse(info: zipfile.ZipInfo, problem: str) -> DatasetError:
    return DatasetError(f"refused the zip: entry {info.orig_filename!r} {problem}; nothing was "
                        "extracted.")


def _entry(info: zipfile.ZipInfo) -> _Entry | None:
    """The entry with its safe path, None for an entry to leave out, or DatasetError."""
    name = info.orig_filename
    if "\x00" in name:
        raise _refuse(info, "has a NUL character in its name")
    if "\\" in name:
        raise _refuse(info, "has a backslash in its name (a Windows path trick); re-create the "
                            "zip with a standard tool")
    if name.startswith("/") or WINDOWS_DRIVE.match(name):
        raise _refuse(info, "has an absolute path")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise _refuse(info, "has a '..' component that would write outside the folder")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise _refuse(info, "is a symbolic link; zip the files themselves")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise _refuse(info, "is a special file (not a regular file or folder)")
    if info.flag_bits & 0x1:
        raise _refuse(info, "is encrypted; zip the dataset without a password")
    if not parts or parts[0] == "__MACOSX":
        return None
    return _Entry(info, parts)


def _plan(infos: list[zipfile.ZipInfo], max_total_bytes: int, max_files: int,
          max_ratio: float) -> list[_Entry]:
    """The entries to extract, or DatasetError for a zip that is unsafe as a whole."""
    if len(infos) > max_files:  # folders and left-out entries count too: each costs work
        raise DatasetError(f"refused the zip: it has {len(infos):,} entries, more than the "
                           f"{max_files:,} limit; nothing was extracted.")
    entries = [entry for entry in map(_entry, infos) if entry is not None]
    files = [entry for entry in entries if not entry.info.is_dir()]
    seen: dict[str, zipfile.ZipInfo] = {}
    for entry in files:
        if entry.key in seen:
            raise _refuse(entry.info, "appears twice in the zip")
        seen[entry.key] = entry.info
    for entry in entries:
        for depth in range(1, len(entry.parts) + entry.info.is_dir()):
            clash = seen.get("/".join(entry.parts[:depth]))
            if clash is not None:
                raise _refuse(clash, "is both a file and a folder in the zip")
    total = sum(entry.info.file_size for entry in files)
    if total > max_total_bytes:
        raise DatasetError(f"refused the zip: it unpacks to {_megabytes(total)}, more than the "
                           f"{_megabytes(max_total_bytes)} limit; nothing was extracted.")
    for entry in files:
        size, packed = entry.info.file_size, max(entry.info.compress_size, 1)
        if size > RATIO_MIN_BYTES and size / packed > max_ratio:
            raise _refuse(entry.info, f"unpacks {size / packed:,.0f} times larger than it is "
                                      f"packed (limit {max_ratio:g}x), which is how zip bombs work")
    packed_total = max(sum(entry.info.compress_size for entry in files), 1)
    if total > RATIO_MIN_BYTES and total / packed_total > max_ratio:
        raise DatasetError(f"refused the zip: it unpacks {total / packed_total:,.0f} times larger "
                           f"than it is packed (limit {max_ratio:g}x), which is how zip bombs "
                           "work; nothing was extracted.")
    return entries


def _dataset_root(entries: list[_Entry]) -> tuple[str, ...]:
    """Where manifest.csv is: the top of the zip, or its single top-level folder."""
    keys = {entry.key for entry in entries if not entry.info.is_dir()}
    if MANIFEST_NAME in keys:
        return ()
    tops = {entry.parts[0] for entry in entries if not entry.parts[0].startswith(".")}
    if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST_NAME}" in keys:
        return (next(iter(tops)),)
    deeper = sorted(key for key in keys if key.endswith(f"/{MANIFEST_NAME}"))
    hint = (f"; found {deeper[0]!r}, so zip the folder that holds it" if deeper else
            f"; put {MANIFEST_NAME} at the top of the zip or in its single top-level folder")
    raise DatasetError(f"no {MANIFEST_NAME} in the zip{hint}. Nothing was extracted.")


def _write(archive: zipfile.ZipFile, entry: _Entry, target: Path, budget: int) -> int:
    """Stream one entry to ``target``; the bytes written, refusing more than it declared."""
    written = 0
    with archive.open(entry.info) as source, open(target, "xb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > entry.info.file_size or written > budget:
                raise _refuse(entry.info, "holds more data than its header says")
            out.write(chunk)
    return written


def _open(source: bytes | Path | str) -> zipfile.ZipFile:
    if isinstance(source, (bytes, bytearray, memoryview)):
        handle = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        if not Path(source).is_file():
            raise DatasetError(f"no zip file at {str(source)!r}; check the path.")
        handle = source
    else:
        raise DatasetError(f"a zip must be given as bytes or a path, not {type(source).__name__}.")
    try:
        return zipfile.ZipFile(handle)
    except _READ_ERRORS as error:
        raise DatasetError(f"this is not a zip file, or it is damaged ({error}); upload a .zip of "
                           "the dataset folder.") from None


def extract_zip(source: bytes | Path, dest: Path | str, max_total_bytes: int = 1_000_000_000,
                max_files: int = 100_000, max_ratio: float = 200.0) -> Path:
    """Unpack a zipped dataset into ``dest`` (missing or empty) and return the dataset folder:
    ``dest`` itself when manifest.csv is at the top of the zip, else its single top-level folder.

    DatasetError, with ``dest`` untouched, for anything unsafe or not a dataset (module docstring).
    """
    dest = Path(dest)
    check_free(dest)
    with _open(source) as archive:
        entries = _plan(archive.infolist(), max_total_bytes, max_files, max_ratio)
        root = _dataset_root(entries)
        budget = max_total_bytes
        with staged_folder(dest) as staging:
            for entry in entries:
                target = staging.joinpath(*entry.parts)
                try:
                    if entry.info.is_dir():
                        target.mkdir(parents=True, exist_ok=True)
                    else:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        budget -= _write(archive, entry, target, budget)
                except DatasetError:
                    raise
                except _READ_ERRORS as error:
                    raise _refuse(entry.info, f"could not be extracted ({error})") from None
    return dest.joinpath(*root)
