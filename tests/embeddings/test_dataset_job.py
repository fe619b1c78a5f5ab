"""The Your data page's background job: encode, train each head, report progress; failures and
stops are reported, never raised into the page."""

from __future__ import annotations

from fusion.training.dataset_job import FAILED, FINISHED, STOPPED, DatasetJob
from tests.embeddings.conftest import CHEAP


def test_a_job_encodes_trains_and_reports_each_head(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = DatasetJob(small_dataset, CHEAP, ["late", "text"], "job-run", epochs=2).start()
    assert job.join(120)
    state = job.progress()
    assert state.status == FINISHED, state.message
    assert set(state.results) == {"late", "text"} and state.task == "digits-small"
    assert [r.epoch for r in state.records] == [1, 2]  # the last head's curve
    assert (tmp_path / "job-run" / "digits-small" / "late" / "dataset.json").is_file()
    assert state.fraction == 1.0 and "late" in state.message


def test_a_stop_before_training_trains_nothing(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = DatasetJob(small_dataset, CHEAP, ["early"], "stopped", epochs=2)
    job.stop()
    job.start()
    assert job.join(120)
    assert job.progress().status == STOPPED and job.progress().results == {}


def test_an_unavailable_encoder_fails_the_job_with_its_reason(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    monkeypatch.setenv("FUSION_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    job = DatasetJob(small_dataset, {**CHEAP, "audio": "hf:facebook/wav2vec2-base"}, ["early"], "offline").start()
    assert job.join(60)
    state = job.progress()
    assert state.status == FAILED and "facebook/wav2vec2-base" in state.message
    assert not (tmp_path / "offline").exists()
