"""Where pretrained weights come from: the local Hugging Face cache, or the network when allowed.

Offline by default (``import fusion`` sets ``HF_HUB_OFFLINE=1`` unless ``FUSION_ONLINE=1``). When
weights are missing and the network is off or unreachable, loaders fail at once with
:func:`unavailable`, which says what to download, where it goes and the command that does it:
no retries, no waiting on timeouts inside the Hugging Face libraries.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Sequence
from pathlib import Path

from fusion.encoders.base import EncoderUnavailable

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "FUSION_OFFLINE")
PROBE_ADDRESS = ("huggingface.co", 443)
PROBE_SECONDS = 2.0
# transformers checkpoints, best first; one of them plus config.json makes a cached model usable
HF_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                   "pytorch_model.bin.index.json")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_BLOB = re.compile(r"^[0-9a-f]{40,64}$")


def network_reachable() -> bool:
    """One TCP connection to huggingface.co within 2 s (tests monkeypatch this)."""
    try:
        with socket.create_connection(PROBE_ADDRESS, timeout=PROBE_SECONDS):
            return True
    except OSError:
        return False


def downloads_allowed() -> bool:
    """True when downloads are both switched on and possible right now."""
    if any(os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on") for name in OFFLINE_VARIABLES):
        return False
    return network_reachable()


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, read from the environment at call time (``HF_HUB_CACHE``, then
    ``HF_HOME``/hub), so a cache moved after import is the one used and reported."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def is_repo_id(name: str) -> bool:
    return bool(_REPO_ID.match(name))


def cached_file(repo_id: str, filenames: Sequence[str]) -> Path | None:
    """The first of ``filenames`` present in the local cache of ``repo_id`` (never the network)."""
    from huggingface_hub import try_to_load_from_cache

    for filename in filenames:
        path = try_to_load_from_cache(repo_id, filename, cache_dir=hf_cache_dir())
        if isinstance(path, str):
            return Path(path)
    return None


def cached_snapshot(repo_id: str) -> Path | None:
    """The cached snapshot folder of a transformers model ``repo_id`` with its config and weights,
    loadable as a local folder; None when either is missing."""
    config = cached_file(repo_id, ("config.json",))
    if config is None:
        return None
    weights = cached_file(repo_id, HF_WEIGHT_FILES)
    if weights is None or weights.parent != config.parent:
        return None
    return config.parent


def file_identity(path: Path) -> str:
    """A short content id for a weights file: the blob hash when it lives in the HF cache (free),
    else a hash of its bytes, so a retrained file with the same name gets a new id."""
    blob = Path(os.path.realpath(path)).name
    if _BLOB.match(blob):
        return blob[:16]
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def folder_identity(folder: Path) -> str:
    """A short content id for a model folder: its config and the identity of each weights file."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(folder.iterdir()):
        if path.suffix in (".json", ".txt", ".model") and path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
        elif path.suffix in (".safetensors", ".bin", ".pth", ".pt") and path.is_file():
            digest.update(path.name.encode() + file_identity(path).encode())
    return digest.hexdigest()


def download_hint(repo_id: str, files: Sequence[str] = ()) -> str:
    """Where the weights go and the command that puts them there (on a machine with internet)."""
    cache = hf_cache_dir()
    wanted = " ".join(files)
    command = f"hf download {repo_id}{' ' + wanted if wanted else ''} --cache-dir {cache}"
    what = f"{repo_id} ({', '.join(files)})" if files else repo_id
    return (f"download {what} into the Hugging Face cache {cache}: on a machine with internet run "
            f"`{command}` and copy that cache folder here (or point HF_HUB_CACHE at a copy)")


def unavailable(encoder: str, repo_id: str, files: Sequence[str] = (), extra: str = "") -> EncoderUnavailable:
    """The error for weights that are not cached while downloading is off or impossible."""
    return EncoderUnavailable(
        f"encoder {encoder!r} needs pretrained weights that are not on this machine, and downloads are "
        "off or huggingface.co is unreachable (fusion is offline unless FUSION_ONLINE=1). To use it, "
        f"{download_hint(repo_id, files)}{extra}."
    )
