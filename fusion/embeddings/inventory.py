"""What the embedding cache holds, and which of its entries can go: ``python -m fusion cache``.

Only files of the cache's own layout are ever counted or removed
(``<root>/<encoder slug>/<2 hex>/<64 hex>.safetensors``, the folder's ``encoder.json`` and
unfinished ``.part`` writes); anything else under the root is left alone, so a cache root set to
the wrong folder loses nothing but entries this program wrote.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fusion.embeddings.cache import ENCODER_RECORD, ENTRY_SUFFIX, PARTIAL_SUFFIX, content_hash
from fusion.errors import FusionError
from fusion.io import read_json

_ENTRY = re.compile(r"[0-9a-f]{64}")
STALE_PARTIAL_SECONDS = 3600  # an unfinished write older than this is left over from a killed process


@dataclass(frozen=True)
class CacheFolder:
    """One encoder's folder of the cache."""

    folder: Path
    encoder: str
    modality: str
    items: int
    bytes: int

    def to_dict(self) -> dict[str, str | int]:
        return {"folder": str(self.folder), "encoder": self.encoder, "modality": self.modality,
                "items": self.items, "bytes": self.bytes}


def entries(folder: Path) -> list[Path]:
    """The embedding files of one encoder folder."""
    return [path for path in folder.glob(f"??/*{ENTRY_SUFFIX}")
            if _ENTRY.fullmatch(path.name[: -len(ENTRY_SUFFIX)]) and path.parent.name == path.name[:2] and path.is_file()]


def partials(folder: Path, older_than: float = STALE_PARTIAL_SECONDS) -> list[Path]:
    """Unfinished writes in one encoder folder older than ``older_than`` seconds."""
    now = time.time()
    found = [*folder.glob(f"??/*{PARTIAL_SUFFIX}"), *folder.glob(f"*{PARTIAL_SUFFIX}")]
    return [path for path in found if path.is_file() and now - path.stat().st_mtime > older_than]


def encoder_folders(root: Path) -> list[Path]:
    """The encoder folders under ``root`` (those holding at least one entry or an encoder record)."""
    if not root.is_dir():
        return []
    return sorted(folder for folder in root.iterdir()
                  if folder.is_dir() and ((folder / ENCODER_RECORD).is_file() or entries(folder)))


def describe(folder: Path) -> CacheFolder:
    """An encoder folder: its encoder (from ``encoder.json``, else from the folder's name), items, bytes."""
    name, modality = _encoder_of(folder)
    found = entries(folder)
    return CacheFolder(folder, name, modality, len(found), sum(path.stat().st_size for path in found))


def _encoder_of(folder: Path) -> tuple[str, str]:
    record = folder / ENCODER_RECORD
    if record.is_file():
        try:
            data = read_json(record, "encoder record", 64 * 1024, 4)
            return str(data["name"]), str(data["modality"])
        except (FusionError, KeyError, TypeError):  # a damaged record: fall back on the folder's name
            pass
    parts = folder.name.rsplit("-", 2)  # <name>-<modality>-<digest> (``encoder_slug``)
    return (parts[0], parts[1]) if len(parts) == 3 else (folder.name, "?")


def list_cache(root: Path) -> list[CacheFolder]:
    return [describe(folder) for folder in encoder_folders(root)]


def referenced_digests(manifests: Iterable) -> set[str]:
    """The content hashes of every file and text the manifests' rows hold (any modality)."""
    from fusion.embeddings.extract import read_content

    digests = set()
    for manifest in manifests:
        for row in manifest.rows:
            for modality, path in row.files.items():
                try:
                    digests.add(content_hash(read_content(modality, path)))
                except OSError:
                    continue  # a file gone since the manifest was read: its entry is unreferenced
            if row.text is not None:
                digests.add(content_hash(read_content("text", row.text)))
    return digests


@dataclass(frozen=True)
class Removal:
    """What a prune removes: the files, by encoder folder, and their bytes."""

    files: dict[Path, list[Path]]

    @property
    def count(self) -> int:
        return sum(len(paths) for paths in self.files.values())

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for paths in self.files.values() for path in paths if path.exists())

    def summary(self) -> list[dict[str, str | int]]:
        return [{"folder": str(folder), "files": len(paths), "bytes": sum(p.stat().st_size for p in paths if p.exists())}
                for folder, paths in self.files.items() if paths]

    def apply(self) -> int:
        """Remove the files (and the folders they leave empty); returns how many were removed."""
        removed = 0
        for folder, paths in self.files.items():
            for path in paths:
                try:
                    path.unlink()
                    removed += 1
                except FileNotFoundError:
                    continue
            for sub in sorted({path.parent for path in paths}, reverse=True):
                for empty in (sub, folder):
                    try:
                        empty.rmdir()  # only succeeds when empty
                    except OSError:
                        pass
        return removed


def plan_prune(root: Path, keep: set[str] | None) -> Removal:
    """The files to remove: every entry whose content hash is not in ``keep`` (``None``: every
    entry and encoder record), and unfinished writes older than an hour."""
    files = {}
    for folder in encoder_folders(root):
        chosen = [path for path in entries(folder) if keep is None or path.name[: -len(ENTRY_SUFFIX)] not in keep]
        chosen += partials(folder)
        if keep is None and (folder / ENCODER_RECORD).is_file():
            chosen.append(folder / ENCODER_RECORD)
        files[folder] = chosen
    return Removal(files)
