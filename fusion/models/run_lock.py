"""A lock on a run folder while a job writes it, across threads and processes.

The lock is a file beside the run, ``.<run>.lock``, held with ``fcntl.flock`` (exclusive, never
waiting) on its own open file: a second writer, in this process or another, gets a
:class:`ConfigError` naming the run and the holder's pid (written in the file). The kernel drops
the lock when its process dies, so a lock file left by a killed job is stale and simply taken over.
The holder removes the file when it is done; a writer that locked a file just removed tries again
(the inode check), so two writers never hold two different files. The file name starts with a dot,
so no listing of runs ever shows it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from fusion.errors import ConfigError


def lock_path(run: Path) -> Path:
    return run.parent / f".{run.name}.lock"


def lock_holder(run: Path) -> int | None:
    """The pid written in ``run``'s lock file (None when there is none, or it is unreadable)."""
    try:
        return int(lock_path(run).read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None


class RunLock:
    """``with RunLock(run):`` or ``acquire()`` / ``release()``; one holder at a time. A refusal
    reads ``<what> <shown> is being written ...; wait for it to end or <advice>`` (the app names
    the run, the command line its ``--out`` folder)."""

    def __init__(self, run: Path | str, what: str = "run", shown: str | None = None,
                 advice: str = "choose another run name") -> None:
        self.run, self.what = Path(run), what
        self.shown = shown if shown is not None else repr(self.run.name)
        self.advice = advice
        self.path = lock_path(self.run)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        if self.held:
            raise ConfigError(f"{self.what} {self.shown} is already locked by this job")
        for _ in range(20):  # each retry follows a holder removing the file between our open and lock
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            except OSError as error:
                raise ConfigError(f"cannot lock {self.what} {self.shown}: {error.strerror} ({self.path}); "
                                  "its parent folder must be writable") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                pid = lock_holder(self.run)
                who = f"process {pid}" if pid is not None else "another process"
                raise ConfigError(f"{self.what} {self.shown} is being written by another training job "
                                  f"({who}); wait for it to end or {self.advice}") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            self._fd = fd
            return self
        raise ConfigError(f"could not lock {self.what} {self.shown}; try again")

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            self.path.unlink(missing_ok=True)  # while still locked: nobody else holds this file
            os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
