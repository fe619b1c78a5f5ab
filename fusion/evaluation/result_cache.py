"""Slow, deterministic results (accuracy tables, corruption sweeps, EMAP, cost) kept on disk.

A result is stored under a key made of everything it depends on: the models' config and weights
(:func:`fingerprint`), the settings, the program (a hash of every ``fusion/`` source file) and the
shipped data (a hash of ``assets/`` outside the checkpoints). So a server restart or a first visit
of the Compare page reads the numbers instead of recomputing them (minutes on 2 cores), and any
change to a model, the code or the data computes them anew. Results depend on the machine only
where told (``per_machine``: latencies).

Files: ``$FUSION_CACHE_DIR/results/<kind>-<key>.json`` (beside the embedding cache), written
atomically; a damaged or foreign file is recomputed and overwritten.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import torch

from fusion.atomic import write_text_atomic
from fusion.paths import ASSETS, REPO

T = TypeVar("T")
MAX_RESULT_BYTES = 16 * 1024 * 1024
MAX_RESULT_DEPTH = 12


def fingerprint(model: torch.nn.Module) -> str:
    """A hash of a model's config and weights."""
    digest = hashlib.sha256(getattr(getattr(model, "config", None), "to_json", lambda: type(model).__name__)().encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def program_version() -> str:
    """A hash of the library's source and the shipped data (not the checkpoints: models are keyed
    by their own fingerprint). Computed once per process (about 10 MB read)."""
    digest = hashlib.sha256()
    files = sorted((REPO / "fusion").rglob("*.py"))
    files += sorted(p for p in ASSETS.rglob("*") if p.is_file() and "checkpoints" not in p.relative_to(ASSETS).parts)
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def result_cache_dir() -> Path:
    from fusion.embeddings.cache import default_cache_dir

    return default_cache_dir() / "results"


def cached_result(kind: str, models: Mapping[str, torch.nn.Module], settings: Mapping[str, Any],
                  compute: Callable[[], T], per_machine: bool = False, cache_dir: Path | None = None) -> T:
    """``compute()`` (a JSON-ready value) once per models, settings and program; then read from disk.
    Either way the caller gets the JSON form (tuples as lists, keys as strings)."""
    from fusion.errors import FusionError
    from fusion.io import read_json

    key_parts = {
        "kind": kind,
        "models": sorted((name, fingerprint(model)) for name, model in models.items()),
        "settings": settings,
        "program": program_version(),
        "machine": (platform.node() or "host") if per_machine else None,
    }
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True, default=str).encode()).hexdigest()[:40]
    folder = cache_dir if cache_dir is not None else result_cache_dir()
    path = folder / f"{kind}-{key}.json"
    if path.is_file():
        try:
            return read_json(path, f"a cached {kind} result", MAX_RESULT_BYTES, MAX_RESULT_DEPTH)["value"]
        except (FusionError, TypeError, KeyError):
            pass  # damaged or foreign: compute again and overwrite
    try:
        text = json.dumps({"value": compute()})
    except (TypeError, ValueError) as error:
        raise TypeError(f"a {kind} result must be JSON-ready to be cached: {error}") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)  # a reader never sees half a file
    except OSError:
        pass  # a read-only folder: compute again next time
    return json.loads(text)["value"]  # the same JSON form as a read from disk (lists, string keys)


def task_result(kind: str, task: Any, models: Mapping[str, torch.nn.Module], settings: Mapping[str, Any],
                compute: Callable[[], T], per_machine: bool = False) -> T:
    """:func:`cached_result` for a built-in task's models; a dataset task's result is computed each
    time (its data is a user's folder, which can change under the same heads)."""
    if not task.is_built_in:
        return json.loads(json.dumps(compute()))
    return cached_result(kind, models, {"task": task.name, **settings}, compute, per_machine=per_machine)
