"""Figures measured once and then read from disk: ``cached_json(path, what, measure)``.

Slow measurements of a model (its cost, its faithfulness) are keyed by the model's fingerprint and
the settings in ``path``'s name. A damaged or foreign file is measured again and overwritten;
writes are atomic, and a read-only folder just means measuring again next time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cached_json(path: Path, what: str, measure: Callable[[], Any], parse: Callable[[Any], Any] = lambda data: data,
                max_bytes: int = 64 * 1024, max_depth: int = 4) -> Any:
    """``parse(the JSON at path)`` if it reads, else ``measure()`` (JSON-ready) written there and parsed."""
    from fusion.errors import FusionError
    from fusion.io import read_json

    if path.is_file():
        try:
            return parse(read_json(path, what, max_bytes=max_bytes, max_depth=max_depth))
        except (FusionError, TypeError, KeyError, ValueError):
            pass  # damaged or foreign: measure again and overwrite
    data = measure()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, path)  # atomic: a reader never sees half a file
    except OSError:
        pass  # a read-only cache folder: measure again next time
    return parse(data)
