"""The browser session as the library sees it (``fusion.deployment``): its id, its files and jobs.

``session_files`` tells ``fusion.deployment`` how to find the current session (Streamlit's script
context: page runs, fragments and callbacks alike). In demo mode each session has a
:class:`SessionFiles` in its state: what it uploaded (for the quota), and a finaliser that, when the
session ends, stops the session's training jobs and removes its runs and unpacked datasets.

A session ends when its browser has been gone for ``server.disconnectedSessionTTL`` seconds: after
that Streamlit no longer lets it reconnect. Streamlit itself only drops such a session lazily (when
another one disconnects), so on a live server a watcher thread checks every few seconds which demo
sessions are still connected and ends those away for longer than the TTL (tested with a real server
and browser: ``tests/app/test_browser_demo_session.py``). Under AppTest, which has no real server,
the finaliser runs when the test drops the session's state. Folders of sessions that ended while
no server ran (a restart) are swept the first time a demo session starts in a process.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from fusion.deployment import Deployment, deployment, owner_tag, remove_session_files, set_session_provider
from fusion.paths import datasets_dir, user_dir
from fusion.training.jobs import live_jobs, stop_jobs

_LOG = logging.getLogger(__name__)
FILES_KEY = "_session_files"
_sessions: weakref.WeakValueDictionary[str, SessionFiles] = weakref.WeakValueDictionary()
_swept = threading.Event()
_sweep_lock = threading.Lock()
_watcher: threading.Thread | None = None
WATCH_EVERY_S = 5.0  # at most; shorter when the TTL is (a test serves with a TTL of 1 s)


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
    """One demo session's bookkeeping; its files go when the watcher ends it or when it is
    garbage-collected, whichever comes first (``finalizer`` runs once)."""

    def __init__(self, owner: str, session: str) -> None:
        self.owner, self.session = owner, session
        self.uploaded_bytes = 0
        self.away_since: float | None = None  # when the watcher first saw the session disconnected
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
    if files is None or not files.finalizer.alive:
        files = st.session_state[FILES_KEY] = SessionFiles(owner_tag(sid), sid)
        _sessions[files.owner] = files
        sweep_ended_sessions()
        _start_watcher()
    return files


def _server() -> runtime.Runtime | None:
    """The live server's runtime (None under AppTest, whose runtime is a stand-in, or outside a server)."""
    if not runtime.exists():
        return None
    server = runtime.get_instance()
    return server if type(server) is runtime.Runtime else None


def _start_watcher() -> None:
    global _watcher
    with _sweep_lock:
        if _watcher is None and _server() is not None:
            _watcher = threading.Thread(target=_watch, name="demo-session-watcher", daemon=True)
            _watcher.start()


def _watch() -> None:
    """Every few seconds, end the demo sessions that have been disconnected for longer than the TTL."""
    while (server := _server()) is not None:
        ttl = float(st.get_option("server.disconnectedSessionTTL"))
        try:
            end_away_sessions(server.is_active_session, ttl)
        except Exception:  # noqa: BLE001 - one bad folder must not stop the watching
            _LOG.exception("ending the demo sessions that left failed; trying again")
        time.sleep(min(WATCH_EVERY_S, max(0.2, ttl / 4)))


def end_away_sessions(connected, ttl: float, now: float | None = None) -> list[str]:
    """End every demo session that ``connected(session id)`` has said is not connected for at least
    ``ttl`` seconds (the owners ended). A session that reconnected in time starts the count afresh."""
    now = time.monotonic() if now is None else now
    ended = []
    for files in list(_sessions.values()):
        if connected(files.session):
            files.away_since = None
        elif files.away_since is None:
            files.away_since = now
        elif now - files.away_since >= ttl and files.finalizer.alive:
            files.finalizer()
            _sessions.pop(files.owner, None)
            ended.append(files.owner)
    return ended


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
