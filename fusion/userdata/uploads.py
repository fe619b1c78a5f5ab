"""An uploaded zip -> its dataset folder under a root (the app's unpacked zips, or one demo session's).

Each zip name has one folder, ``<root>/<name>/``: unpacking the same zip again reuses it (nothing is
written, so repeated unpacks do not grow the disk); another zip of that name replaces it once the
new one is completely unpacked. A ``disk_quota`` bounds everything unpacked under ``root``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from fusion.atomic import move_into_place
from fusion.names import safe_name
from fusion.userdata.manifest import DatasetError
from fusion.userdata.zips import extract_zip

RECORD = ".unpacked-zip"  # in each unpacked folder: the zip's sha256 and where its manifest is


def folder_bytes(folder: Path) -> int:
    """The bytes of the regular files under ``folder`` (0 when it does not exist)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) if folder.is_dir() else 0


def _unpacked(dest: Path, digest: str) -> Path | None:
    try:
        recorded, relative = (dest / RECORD).read_text(encoding="utf-8").split("\n")[:2]
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    folder = dest / relative if relative else dest
    return folder if recorded == digest and folder.is_dir() and dest in (folder, *folder.parents) else None


def unpack_upload(data: bytes, filename: str, root: Path, max_bytes: int, disk_quota: int | None = None) -> Path:
    """Unpack zip ``data`` (uploaded as ``filename``) under ``root`` and return its dataset folder;
    DatasetError (nothing changed) for an unsafe zip, or one that does not fit the quota."""
    stem = safe_name(Path(filename).stem, "dataset", 40)
    dest, digest = root / stem, hashlib.sha256(data).hexdigest()
    again = _unpacked(dest, digest)
    if again is not None:
        return again
    if disk_quota is not None:
        used = folder_bytes(root) - folder_bytes(dest)  # the folder it replaces does not count
        if used >= disk_quota:
            raise DatasetError(f"your unpacked datasets already use {used / 1e6:,.0f} MB of the {disk_quota / 1e6:,.0f} MB "
                               "this session may use; nothing was extracted.")
        max_bytes = min(max_bytes, disk_quota - used)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{stem}.", suffix=".new", dir=root)) / "zip"
    try:
        folder = extract_zip(data, staging, max_total_bytes=max_bytes)
        relative = folder.relative_to(staging).as_posix() if folder != staging else ""
        (staging / RECORD).write_text(f"{digest}\n{relative}\n", encoding="utf-8")
        move_into_place(staging, dest, replace=True)
    finally:
        shutil.rmtree(staging.parent, ignore_errors=True)
    return dest / relative if relative else dest
