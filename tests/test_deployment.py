"""fusion.deployment: the public demo's isolation and limits, and the folder field's root outside it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fusion import deployment as dep
from fusion.errors import ConfigError
from fusion.models.catalog import model_sources, source_root
from fusion.models.configs import model_config
from fusion.training.jobs import FINISHED, TrainingJob, live_jobs, stop_jobs
from fusion.training.loop import TrainSettings
from tests.training.test_jobs import hold


@pytest.fixture()
def demo(tmp_path, monkeypatch):
    """Demo mode with a session id the test chooses (``session.id``)."""
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FUSION_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("FUSION_DEMO", "1")
    monkeypatch.setenv("FUSION_DEMO_MAX_JOBS", "2")
    session = threading.local()
    monkeypatch.setattr(dep, "_session_provider", lambda: getattr(session, "id", None))
    return session


def tiny_job(run: str) -> TrainingJob:
    return TrainingJob.for_model(model_config("match-early-tiny"), TrainSettings(epochs=1), run)


def test_demo_sessions_see_only_their_runs_and_run_one_job_each_and_two_in_all(demo, tmp_path) -> None:
    demo.id = "alice"
    first = tiny_job("run-1")
    assert first.run_name == f"{dep.owner_tag('alice')}-run-1"
    release = hold(first)
    first.start()
    with pytest.raises(ConfigError, match="at most 1 training job per session"):
        tiny_job("run-2").start()
    demo.id = "bob"
    second = tiny_job("run-1")  # the same name: another folder
    release_second = hold(second)
    second.start()
    demo.id = "carol"
    with pytest.raises(ConfigError, match="already runs 2 training jobs"):
        tiny_job("run-1").start()
    assert len(live_jobs()) == 2
    release.set()
    release_second.set()
    assert first.join(60) and second.join(60) and first.progress().status == second.progress().status == FINISHED

    assert model_sources("match") == ["shipped"]  # carol has none
    demo.id = "bob"
    assert model_sources("match") == ["shipped", second.run_name]
    with pytest.raises(ConfigError, match="no run"):
        source_root(first.run_name)  # alice's
    demo.id = "alice"
    assert model_sources("match") == ["shipped", first.run_name]

    dep.remove_session_files(dep.owner_tag("alice"))
    assert model_sources("match") == ["shipped"]
    demo.id = "bob"
    assert model_sources("match") == ["shipped", second.run_name]  # bob's is untouched


def test_stop_jobs_stops_only_that_sessions_jobs(demo) -> None:
    demo.id = "dave"
    job = tiny_job("run-1")
    release = hold(job)
    job.start()
    stop_jobs(dep.owner_tag("someone-else"))
    assert not job.stop_requested
    stop_jobs(dep.owner_tag("dave"))
    assert job.stop_requested
    release.set()
    assert job.join(60)


def test_outside_a_demo_nothing_is_scoped_or_limited(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FUSION_DEMO", raising=False)
    settings = dep.deployment()
    assert not settings.demo and settings.max_jobs is None and settings.limits_text() == ""
    assert dep.current_owner() is None and dep.owned_run_name("run-1") == "run-1" and dep.visible_run("run-1")


@pytest.mark.parametrize("value", ["0", "-3", "two", "1.5"])
def test_a_bad_limit_setting_is_refused(monkeypatch, value) -> None:
    monkeypatch.setenv("FUSION_DEMO", "1")
    monkeypatch.setenv("FUSION_DEMO_MAX_JOBS", value)
    with pytest.raises(ConfigError, match="FUSION_DEMO_MAX_JOBS"):
        dep.deployment()


def test_the_demo_limits_are_said_in_one_sentence(monkeypatch) -> None:
    monkeypatch.setenv("FUSION_DEMO", "1")
    monkeypatch.setenv("FUSION_DEMO_MAX_JOBS", "3")
    monkeypatch.setenv("FUSION_DEMO_UPLOAD_MB", "50")
    text = dep.deployment().limits_text()
    assert "at most 1 training job per session and 3 at once" in text and "50 MB per session" in text


def test_the_folder_field_opens_only_folders_under_the_data_root(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FUSION_DEMO", raising=False)
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    (home / "escape").symlink_to(tmp_path / "secret")
    monkeypatch.setenv("FUSION_DATA_ROOT", str(home))
    monkeypatch.setenv("FUSION_DATASETS_DIR", str(tmp_path / "unpacked"))
    assert dep.check_data_folder(f"  {home / 'data'} ") == (home / "data").resolve()
    assert dep.check_data_folder(str(tmp_path / "unpacked" / "x")) == (tmp_path / "unpacked" / "x").resolve()
    messages = set()
    for probe in ("/root/.ssh", "/etc/passwd", "/no/such/folder", str(tmp_path / "secret"), str(home / "escape"),
                  str(home / "data" / ".." / ".."), "bad\x00path", str(tmp_path / "home-other")):
        with pytest.raises(ConfigError) as refused:
            dep.check_data_folder(probe)
        messages.add(str(refused.value))
    assert messages == {dep.folder_refusal(home)}  # one message: nothing is told about what exists
    assert "FUSION_DATA_ROOT" in dep.folder_refusal(home)


def test_a_demo_opens_no_folder_at_all(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("FUSION_DEMO", "1")
    monkeypatch.setenv("FUSION_DATA_ROOT", str(tmp_path))
    with pytest.raises(ConfigError, match="uploaded zips only"):
        dep.check_data_folder(str(tmp_path))


def test_remove_session_files_refuses_anything_but_an_owner_tag(demo) -> None:
    for bad in ("", "..", "/", "x/y", "run-1", "shipped", "s123"):
        with pytest.raises(ConfigError):
            dep.remove_session_files(bad)
