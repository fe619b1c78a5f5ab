"""Write a folder or a file all at once: build it in a temporary sibling, rename it into place when
complete. A crash or an error half-way leaves the destination as it was, never half-written, and a
reader sees either the old folder or file or the new one (for a folder's replacement, briefly neither)."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_folder(dest: Path | str, replace: bool = False) -> Iterator[Path]:
    """Yield an empty hidden sibling of ``dest``; on success it becomes ``dest``, on an exception it is
    removed. A ``dest`` that is a non-empty folder by then raises FileExistsError unless ``replace``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    staging.chmod(0o755)  # mkdtemp makes it private (0o700); the result is an ordinary folder
    try:
        yield staging
        move_into_place(staging, dest, replace)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def move_into_place(staging: Path, dest: Path, replace: bool) -> None:
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise FileExistsError(errno.EEXIST, "exists and is not a folder", str(dest))
    try:
        os.rename(staging, dest)  # atomic; succeeds onto a missing or empty folder
        return
    except OSError as error:
        if error.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not replace:
            raise FileExistsError(errno.EEXIST, "is a folder that is not empty", str(dest)) from None
    old = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.old")
    os.rename(dest, old)
    os.rename(staging, dest)
    shutil.rmtree(old, ignore_errors=True)


PARTIAL_SUFFIX = ".part"  # a file being written (``write_text_atomic``); a crash may leave one behind


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write ``path`` whole: into a sibling named for this process and thread (so concurrent writers
    of one path never share a temporary file), then one rename."""
    path = Path(path)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}{PARTIAL_SUFFIX}")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
