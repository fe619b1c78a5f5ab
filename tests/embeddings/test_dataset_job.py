"""The Your data page's background job: encode, train each head, report progress; failures and
stops are reported, never raised into the page; the same refusals as a built-in run."""

from __future__ import annotations

import pytest

from fusion.errors import ConfigError
from fusion.models.checkpoints import WEIGHTS, shipped_root
from fusion.training.jobs import ENCODING, FAILED, FINISHED, STOPPED, TrainingJob
from tests.embeddings.conftest import CHEAP
from tests.training.test_jobs import hold


def dataset_job(folder, names, run, **options) -> TrainingJob:
    return TrainingJob.for_dataset(folder, CHEAP, names, run, **options)


def test_a_job_encodes_trains_and_reports_each_head(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = dataset_job(small_dataset, ["late", "text"], "job-run", epochs=2)
    encoding = ", ".join(CHEAP[m] for m in sorted(CHEAP))
    assert [(s.phase, s.item) for s in job.steps] == [(ENCODING, encoding), ("training", "late"), ("training", "text")]
    assert job.start().join(120)
    state = job.progress()
    assert state.status == FINISHED, state.message
    assert set(state.results) == {"late", "text"} and state.task == "digits-small"
    assert [r.epoch for r in state.records] == [1, 2]  # the last head's curve
    folder = tmp_path / "job-run" / "digits-small" / "late"
    assert (folder / "dataset.json").is_file() and state.saved["late"] == folder.resolve()
    assert state.fraction == 1.0 and "late" in state.message


def test_a_stop_before_training_trains_nothing(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = dataset_job(small_dataset, ["early"], "stopped", epochs=2)
    job.stop()
    job.start()
    assert job.join(120)
    assert job.progress().status == STOPPED and job.progress().results == {}
    assert not (tmp_path / "stopped").exists()


def test_a_stop_during_a_head_saves_it_and_skips_the_rest(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = dataset_job(small_dataset, ["late", "text"], "half", epochs=3)
    original = job._on_epoch

    def record_then_stop(record):
        original(record)
        job.stop()

    job._on_epoch = record_then_stop
    assert job.start().join(120)
    state = job.progress()
    assert state.status == STOPPED and set(state.results) == {"late"} and state.results["late"]["stopped"] is True
    assert not (tmp_path / "half" / "digits-small" / "text").exists()


def test_an_unavailable_encoder_fails_the_job_with_its_reason(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    monkeypatch.setenv("FUSION_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    encoders = {**CHEAP, "audio": "hf:facebook/wav2vec2-base"}
    job = TrainingJob.for_dataset(small_dataset, encoders, ["early"], "offline").start()
    assert job.join(60)
    state = job.progress()
    assert state.status == FAILED and "facebook/wav2vec2-base" in state.message
    assert not (tmp_path / "offline").exists()


def test_an_existing_run_is_refused_unless_overwrite(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    assert dataset_job(small_dataset, ["text"], "again", epochs=1).start().join(120)
    saved = tmp_path / "again" / "digits-small" / "text" / WEIGHTS
    before = saved.stat().st_mtime_ns
    with pytest.raises(ConfigError, match="already holds a digits-small/text model"):
        dataset_job(small_dataset, ["image", "text"], "again", epochs=1)  # any head it would write
    assert saved.stat().st_mtime_ns == before
    job = dataset_job(small_dataset, ["text"], "again", epochs=1, overwrite=True).start()
    assert job.join(120) and job.progress().status == FINISHED
    assert saved.stat().st_mtime_ns != before


@pytest.mark.parametrize("name", ["../x", "shipped", "a/b"])
def test_invalid_run_names_are_refused(small_dataset, tmp_path, monkeypatch, name) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="not allowed"):
        dataset_job(small_dataset, ["text"], name)
    assert not any(tmp_path.iterdir())


def test_the_shipped_checkpoints_are_refused(small_dataset, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(shipped_root().parent))
    with pytest.raises(ConfigError, match="shipped"):
        dataset_job(small_dataset, ["text"], "checkpoints")


def test_two_live_jobs_writing_a_head_are_refused(small_dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    first = dataset_job(small_dataset, ["text"], "busy", epochs=1)
    release = hold(first)
    first.start()
    with pytest.raises(ConfigError, match="run 'busy' is being written by another training job"):
        dataset_job(small_dataset, ["image", "text"], "busy", epochs=1).start()
    assert not first.done
    release.set()
    assert first.join(120) and first.progress().status == FINISHED


def test_the_pages_job_encodes_on_the_same_threads_as_the_cli(small_dataset, tmp_path, monkeypatch) -> None:
    """The page's job thread would inherit the app's thread count (``use_app_threads``) and the CLI
    has torch's default: both encode on ``ENCODE_THREADS`` instead, and the count is restored."""
    import torch

    from fusion.embeddings import extract
    from fusion.embeddings.cache import EmbeddingCache
    from fusion.userdata.manifest import load_manifest

    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    monkeypatch.setenv("FUSION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(extract, "ENCODE_THREADS", 2)  # unlike the app's 1, so the test can tell them apart
    seen = []
    real = extract.encode_items
    monkeypatch.setattr(extract, "encode_items", lambda *a, **k: seen.append(torch.get_num_threads()) or real(*a, **k))
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # what app.py sets
    try:
        assert dataset_job(small_dataset, ["text"], "threads", epochs=1).start().join(120)
        extract.encode_shard(load_manifest(small_dataset), CHEAP, EmbeddingCache(tmp_path / "cli-cache"), progress=False)
        assert seen == [2] * 6 and torch.get_num_threads() == 1  # 3 modalities each way; the app's count is back
    finally:
        torch.set_num_threads(previous)
