"""Write a folder all at once: build it in a hidden sibling, rename it into place when complete.

A crash or a refusal half-way leaves ``dest`` as it was, never a half-written dataset.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fusion.userdata.manifest import DatasetError


def check_free(dest: Path) -> None:
    """DatasetError unless ``dest`` is missing or an empty folder."""
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise DatasetError(f"{str(dest)!r} exists and is not a folder; choose a new folder.")
    if dest.is_dir() and any(dest.iterdir()):
        raise DatasetError(f"the folder {str(dest)!r} is not empty; choose a new or empty folder "
                           "so that nothing is overwritten.")


@contextmanager
def staged_folder(dest: Path) -> Iterator[Path]:
    """Yield an empty temporary sibling of ``dest``; on success it becomes ``dest``, on an
    exception it is removed and ``dest`` is untouched."""
    check_free(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    staging.chmod(0o755)  # mkdtemp makes it private (0o700); the dataset is an ordinary folder
    try:
        yield staging
        check_free(dest)  # nobody wrote there meanwhile
        if dest.is_dir():
            dest.rmdir()
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
