"""On-disk embedding cache keyed by (encoder version, content hash).

One safetensors file per (encoder, input): ``<root>/<encoder slug>/<hash[:2]>/<hash>.safetensors``
(beside them ``<encoder slug>/encoder.json`` names the encoder) holding ``pooled`` (float32) and ``tokens`` (float16, half the disk; heads are trained in float32),
with the token layout as JSON metadata. The encoder's ``version`` (weights + preprocessing) is part
of the folder name, so changing either never reuses stale embeddings. Nothing here unpickles.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load, save_file

from fusion.atomic import PARTIAL_SUFFIX, write_text_atomic
from fusion.encoders.base import Encoder, Encoding, TokenLayout
from fusion.errors import FusionError
from fusion.io import read_file

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # one item's embeddings; a larger file is not an entry we wrote
ENTRY_SUFFIX = ".safetensors"
ENCODER_RECORD = "encoder.json"


def default_cache_dir() -> Path:
    """``$FUSION_CACHE_DIR``, else ``~/.cache/fusion-explorer/embeddings``."""
    configured = os.environ.get("FUSION_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "fusion-explorer" / "embeddings"


def content_hash(data: bytes | str) -> str:
    """SHA-256 of a file's bytes, or of a text's UTF-8."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def encoder_slug(encoder: Encoder) -> str:
    """A folder name for an encoder's version: readable name + a short hash of the full version."""
    digest = hashlib.sha256(f"{encoder.modality}\0{encoder.version}".encode()).hexdigest()[:12]
    return f"{_UNSAFE.sub('_', encoder.name)[:60]}-{encoder.modality}-{digest}"


def as_stored(encoding: Encoding) -> Encoding:
    """``encoding`` as the cache gives it back (tokens through float16), so a fresh encode and a
    cache hit are the same numbers: training and later evaluation see identical inputs."""
    if encoding.tokens is None:
        return encoding
    tokens = np.asarray(encoding.tokens, dtype=np.float32).astype(np.float16).astype(np.float32)
    return Encoding(np.asarray(encoding.pooled, dtype=np.float32), tokens, encoding.layout)


def _metadata(raw: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file's bytes (an 8-byte length, then a JSON header)."""
    size = int.from_bytes(raw[:8], "little")
    if not 0 < size <= len(raw) - 8:
        raise ValueError("bad safetensors header length")
    return json.loads(raw[8:8 + size])["__metadata__"]


class EmbeddingCache:
    """Get and put ``Encoding``s by (encoder, content hash); corrupt entries count as misses."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, encoder: Encoder, digest: str) -> Path:
        return self.root / encoder_slug(encoder) / digest[:2] / f"{digest}.safetensors"

    def get(self, encoder: Encoder, digest: str) -> Encoding | None:
        path = self.path(encoder, digest)
        if not path.is_file():
            return None
        try:  # read into memory: a memory map per entry would stay open while its tensors live
            raw = read_file(path, "cached embedding", MAX_ENTRY_BYTES)
            tensors = load(raw)
            layout = TokenLayout.from_dict(json.loads(_metadata(raw)["layout"]))
        except (FusionError, SafetensorError, OSError, KeyError, ValueError, TypeError, OverflowError):
            return None  # a damaged entry is re-encoded and overwritten
        tokens = tensors.get("tokens")
        return Encoding(tensors["pooled"].numpy(), None if tokens is None else tokens.float().numpy(), layout)

    def put(self, encoder: Encoder, digest: str, encoding: Encoding) -> None:
        path = self.path(encoder, digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {"pooled": torch.from_numpy(np.ascontiguousarray(encoding.pooled, dtype=np.float32))}
        if encoding.tokens is not None:
            tensors["tokens"] = torch.from_numpy(np.ascontiguousarray(encoding.tokens, dtype=np.float32)).half()
        # Atomic: a temporary file of this process and thread, then one rename. Concurrent writers
        # (torchrun ranks, the app's threads) of the same entry each rename a whole file; a reader
        # sees the old entry, none, or a whole new one, never half a file.
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}{PARTIAL_SUFFIX}")
        try:
            save_file(tensors, str(partial), metadata={"layout": json.dumps(encoding.layout.to_dict())})
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self._describe(encoder, path.parent.parent)

    def _describe(self, encoder: Encoder, folder: Path) -> None:
        """Write ``encoder.json`` (name, modality, version) in an encoder's folder, once, so
        ``python -m fusion cache --list`` can say which encoder a folder holds."""
        record = folder / ENCODER_RECORD
        if record.is_file():
            return
        write_text_atomic(record, json.dumps({"name": encoder.name, "modality": encoder.modality, "version": encoder.version}))
