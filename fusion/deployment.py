"""How the app is deployed: a private app on one's own machine, or a public demo (``FUSION_DEMO=1``).

One home for every setting of the two modes (read from the environment on each call, so tests and
servers can set them):

- ``FUSION_DEMO=1``: a public demo. No server paths: datasets come only from uploaded zips,
  unpacked under a folder of their own session, with quotas (``FUSION_DEMO_UPLOAD_MB`` uploaded in
  all, ``FUSION_DEMO_DISK_MB`` unpacked on disk, per session). Each session sees only its own
  datasets and runs (their folders carry the session's owner tag) and they are removed when the
  session ends. At most one training job per session and ``FUSION_DEMO_MAX_JOBS`` in all.
- otherwise: the folder field opens folders under ``FUSION_DATA_ROOT`` (default: the user's home)
  and the app's own unpacked zips, and refuses anything else with one message, the same whether the
  path exists or not (it never tells a visitor what is on the server).

The session is whatever the front end says it is: the app registers a provider of the current
session's id (``set_session_provider``); the library never imports Streamlit.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fusion.errors import ConfigError
from fusion.names import check_name, is_plain_name
from fusion.paths import datasets_dir, user_dir

DEMO_ENV, DATA_ROOT_ENV = "FUSION_DEMO", "FUSION_DATA_ROOT"
MAX_JOBS_ENV, UPLOAD_MB_ENV, DISK_MB_ENV = "FUSION_DEMO_MAX_JOBS", "FUSION_DEMO_UPLOAD_MB", "FUSION_DEMO_DISK_MB"
DEFAULTS = {MAX_JOBS_ENV: 2, UPLOAD_MB_ENV: 300, DISK_MB_ENV: 500}
ZIP_MAX_BYTES = 500_000_000  # one zip unpacked, in either mode
OWNER_PREFIX = "s"
_OWNER = re.compile(OWNER_PREFIX + "[0-9a-f]{10}")


@dataclass(frozen=True)
class Deployment:
    """The settings in force; ``max_jobs`` and ``jobs_per_session`` are None when unlimited."""

    demo: bool
    data_root: Path
    max_jobs: int | None
    jobs_per_session: int | None
    upload_bytes: int | None  # per session, every zip uploaded and unpacked together
    disk_bytes: int | None  # per session, the unpacked datasets on disk

    def limits_text(self) -> str:
        """The demo's limits in one sentence (empty outside demo mode)."""
        if not self.demo:
            return ""
        return (f"Public demo: at most {self.jobs_per_session} training job per session and {self.max_jobs} at once "
                f"on this server; uploads up to {self.upload_bytes / 1e6:,.0f} MB per session and "
                f"{self.disk_bytes / 1e6:,.0f} MB unpacked. Your datasets and runs are yours only and are "
                "removed when you close the page.")


def _positive_int(name: str) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return DEFAULTS[name]
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name}={text!r} must be a whole number of at least 1")
    return value


def deployment() -> Deployment:
    demo = os.environ.get(DEMO_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    root = Path(os.environ.get(DATA_ROOT_ENV) or Path.home()).expanduser()
    if not demo:
        return Deployment(False, root, None, None, None, None)
    return Deployment(True, root, _positive_int(MAX_JOBS_ENV), 1, _positive_int(UPLOAD_MB_ENV) * 1_000_000,
                      _positive_int(DISK_MB_ENV) * 1_000_000)


# ---- the current session ---------------------------------------------------------------------------
_session_provider: Callable[[], str | None] = lambda: None


def set_session_provider(provider: Callable[[], str | None]) -> None:
    """Register how to find the current session's id (the app does, with Streamlit's script context)."""
    global _session_provider
    _session_provider = provider


def owner_tag(session_id: str) -> str:
    """A session's owner tag: a plain name that does not reveal the session id."""
    return OWNER_PREFIX + hashlib.sha256(session_id.encode()).hexdigest()[:10]


def current_owner() -> str | None:
    """The owner tag of the current session in demo mode; None outside demo mode or outside a session."""
    if not deployment().demo:
        return None
    session = _session_provider()
    return owner_tag(session) if session else None


def owned_run_name(run: str, owner: str | None = None) -> str:
    """The folder name of run ``run`` (checked): in demo mode prefixed with the session's owner tag."""
    check_name(run, "run name")
    owner = owner if owner is not None else current_owner()
    return check_name(f"{owner}-{run}", "run name") if owner else run


def visible_run(folder_name: str) -> bool:
    """Whether the current session may list and open the run folder ``folder_name``: any plain name
    outside demo mode (and for the server's own threads, which no visitor drives); in demo mode,
    only the session's own runs."""
    if not is_plain_name(folder_name):
        return False
    owner = current_owner()
    return owner is None or folder_name.startswith(f"{owner}-")


def session_datasets_dir(owner: str | None = None) -> Path:
    """Where this session's zips are unpacked: the datasets dir, in demo mode its owner's folder."""
    owner = owner if owner is not None else current_owner()
    return datasets_dir() / owner if owner else datasets_dir()


def remove_session_files(owner: str) -> None:
    """Remove a demo session's runs (and their lock files) and unpacked datasets."""
    if not _OWNER.fullmatch(owner):
        raise ConfigError(f"{owner!r} is not a session owner tag")
    shutil.rmtree(datasets_dir() / owner, ignore_errors=True)
    root = user_dir()
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith(f"{owner}-") or path.name.startswith(f".{owner}-"):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


# ---- the folder field (outside demo mode) -------------------------------------------------------------
def folder_refusal(root: Path) -> str:
    return (f"only dataset folders under {root} (and zips unpacked here) can be opened; "
            f"set {DATA_ROOT_ENV} to open folders elsewhere")


def check_data_folder(text: str) -> Path:
    """The folder a person typed, resolved, when the deployment allows it; else ConfigError.

    In demo mode no folder is allowed (only uploads). Otherwise the folder must lie under the data
    root or the unpacked-zips folder, checked on the resolved path before anything else looks at it,
    so the message is the same whether the path exists or not.
    """
    settings = deployment()
    if settings.demo:
        raise ConfigError("this public demo opens uploaded zips only, not folders on the server")
    try:
        folder = Path(os.path.realpath(Path(text.strip()).expanduser()))
    except (ValueError, OSError):  # a NUL character, a path too long
        raise ConfigError(folder_refusal(settings.data_root)) from None
    allowed = [Path(os.path.realpath(root)) for root in (settings.data_root, datasets_dir())]
    if not any(folder == root or root in folder.parents for root in allowed):
        raise ConfigError(folder_refusal(settings.data_root))
    return folder
