"""The demo-session watcher's rule (``ui.session.end_away_sessions``), on a fake clock: a session
is ended, its files removed, only after it has been seen disconnected for the whole TTL; one that
reconnects in time starts the count afresh, and a connected session is never ended. The same
watcher on a live server: ``tests/app/test_browser_demo_session.py``."""

from __future__ import annotations

import pytest

from fusion.deployment import owner_tag


@pytest.fixture()
def watched(tmp_path, monkeypatch):
    import ui.session

    monkeypatch.setenv("FUSION_DEMO", "1")
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FUSION_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setattr(ui.session, "_sessions", type(ui.session._sessions)())
    made = {}
    for sid in ("alice", "bob"):
        files = made[sid] = ui.session.SessionFiles(owner_tag(sid), sid)
        ui.session._sessions[files.owner] = files
        (tmp_path / "datasets" / files.owner / "data").mkdir(parents=True)
        (tmp_path / "runs" / f"{files.owner}-run" / "digits").mkdir(parents=True)
    return made, tmp_path


def test_a_session_away_for_the_whole_ttl_is_ended_and_one_that_came_back_is_not(watched) -> None:
    from ui.session import end_away_sessions

    made, root = watched
    connected = {"bob"}
    at = lambda now: end_away_sessions(lambda sid: sid in connected, ttl=10, now=now)  # noqa: E731
    assert at(0) == [] and at(9) == []  # alice away since 0
    connected.add("alice")  # she reconnected within the TTL
    assert at(9.5) == []
    connected.discard("alice")
    assert at(12) == [] and at(21.9) == []  # away again since 12: the count started afresh
    assert at(22) == [owner_tag("alice")]
    assert not made["alice"].finalizer.alive and made["bob"].finalizer.alive
    assert sorted(p.name for p in (root / "datasets").iterdir()) == [owner_tag("bob")]
    assert sorted(p.name for p in (root / "runs").iterdir()) == [f"{owner_tag('bob')}-run"]
    assert at(1000) == []  # bob, connected all along, stays; alice is not ended twice
