"""Write a dataset folder all at once (``fusion.atomic``), only into a new or empty folder.

A crash or a refusal half-way leaves ``dest`` as it was, never a half-written dataset.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fusion import atomic
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
    try:
        with atomic.staged_folder(dest) as staging:
            yield staging
    except FileExistsError:
        check_free(dest)  # somebody wrote there meanwhile: say what is there
        raise
