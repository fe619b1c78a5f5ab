"""The browser session as the library sees it (``fusion.deployment``): its id, its files and jobs.

``session_files`` tells ``fusion.deployment`` how to find the current session (Streamlit's script
context: page runs, fragments and callbacks alike). In demo mode each session has a
:class:`SessionFiles` in its state: what it uploaded (for the quota), and a finaliser that, when the
session ends and Streamlit drops its state, stops the session's training jobs and removes its runs
and unpacked datasets. Folders of sessions that ended while no server ran (a restart) are swept the
first time a demo session starts in a process.
"""

from __future__ import annotations

import threading
import weakref

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from fusion.deployment import Deployment, deployment, owner_tag, remove_session_files, set_session_provider
from fusion.paths import datasets_dir, user_dir
from fusion.training.jobs import live_jobs, stop_jobs

FILES_KEY = "_session_files"
_sessions: weakref.WeakValueDictionary[str, SessionFiles] = weakref.WeakValueDictionary()
_swept = threading.Event()
_sweep_lock = threading.Lock()


def session_id() -> str | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def _provider() -> str | None:
    return session_id()  # looked up on each call (tests give AppTests their own ids)


def end_session(owner: str) -> None:
    """A demo session ended: stop its jobs, remove its files."""
    stop_jobs(owner)
    remove_session_files(owner)


class SessionFiles:
    """One demo session's bookkeeping; its files go when it is garbage-collected (the session ended)."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.uploaded_bytes = 0
        self._lock = threading.Lock()
        self.finalizer = weakref.finalize(self, end_session, owner)

    def take_upload(self, size: int, quota: int) -> bool:
        """Count ``size`` uploaded bytes against ``quota``; False (nothing counted) when over it."""
        with self._lock:
            if self.uploaded_bytes + size > quota:
                return False
            self.uploaded_bytes += size
            return True


def session_files() -> SessionFiles | None:
    """This session's bookkeeping in demo mode (made on first use); None outside demo mode.

    app.py calls it first thing in every run: it also tells ``fusion.deployment`` how to find the
    current session (nothing is registered at import)."""
    set_session_provider(_provider)
    sid = session_id()
    if not deployment().demo or sid is None:
        return None
    files = st.session_state.get(FILES_KEY)
    if files is None:
        files = st.session_state[FILES_KEY] = SessionFiles(owner_tag(sid))
        _sessions[files.owner] = files
        sweep_ended_sessions()
    return files


def sweep_ended_sessions() -> None:
    """Once per process: remove demo folders whose session is not alive here (left by a restart)."""
    with _sweep_lock:
        if _swept.is_set():
            return
        _swept.set()
    owners = {path.name for path in datasets_dir().glob("s*") if path.is_dir()}
    owners |= {path.name.split("-", 1)[0] for path in user_dir().glob("s*-*")} if user_dir().is_dir() else set()
    for owner in owners:
        if owner not in _sessions:
            try:
                remove_session_files(owner)
            except Exception:  # noqa: BLE001 - not an owner tag: not ours to remove
                continue


def run_name_label(source: str) -> str:
    """A model source as the session named it (a demo run's folder carries the owner tag)."""
    files = session_files()
    prefix = f"{files.owner}-" if files is not None else ""
    return source[len(prefix):] if prefix and source.startswith(prefix) else source


def session_job_running() -> bool:
    """Whether this session already runs a training job (demo mode counts them per session)."""
    files = session_files()
    return files is not None and bool(live_jobs(files.owner))


def demo_limits(settings: Deployment | None = None) -> None:
    """The demo's limits, as a caption (nothing outside demo mode)."""
    settings = settings or deployment()
    if settings.demo:
        st.caption(f"{settings.limits_text()} Training jobs running on this server now: {len(live_jobs())}.")
