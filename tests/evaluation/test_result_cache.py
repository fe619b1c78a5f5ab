"""Slow results are computed once per models, settings and program, then read from disk."""

from __future__ import annotations

import json

import pytest
import torch

from fusion.evaluation import result_cache
from fusion.evaluation.result_cache import cached_result, program_version, task_result
from fusion.tasks import get_task


class Counting:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_a_result_is_computed_once_then_read_in_its_json_form(tmp_path) -> None:
    model = torch.nn.Linear(3, 2)
    compute = Counting({"levels": (0.0, 0.5), "accuracy": 0.75})
    first = cached_result("sweep", {"early": model}, {"n": 4}, compute, cache_dir=tmp_path)
    again = cached_result("sweep", {"early": model}, {"n": 4}, compute, cache_dir=tmp_path)
    assert compute.calls == 1 and first == again == {"levels": [0.0, 0.5], "accuracy": 0.75}
    assert len(list(tmp_path.glob("sweep-*.json"))) == 1 and not list(tmp_path.glob("*.part"))


def test_other_weights_settings_or_program_compute_anew(tmp_path, monkeypatch) -> None:
    model = torch.nn.Linear(3, 2)
    compute = Counting([1, 2])
    cached_result("sweep", {"early": model}, {"n": 4}, compute, cache_dir=tmp_path)
    cached_result("sweep", {"early": model}, {"n": 5}, compute, cache_dir=tmp_path)
    with torch.no_grad():
        model.bias.add_(1.0)
    cached_result("sweep", {"early": model}, {"n": 4}, compute, cache_dir=tmp_path)
    assert compute.calls == 3
    monkeypatch.setattr(result_cache, "program_version", lambda: "another program")
    cached_result("sweep", {"early": model}, {"n": 4}, compute, cache_dir=tmp_path)
    assert compute.calls == 4


def test_a_damaged_file_is_recomputed_and_overwritten(tmp_path) -> None:
    model = torch.nn.Linear(3, 2)
    compute = Counting({"a": 1})
    cached_result("sweep", {"m": model}, {}, compute, cache_dir=tmp_path)
    path = next(tmp_path.glob("sweep-*.json"))
    path.write_text("{not json")
    assert cached_result("sweep", {"m": model}, {}, compute, cache_dir=tmp_path) == {"a": 1}
    assert compute.calls == 2 and json.loads(path.read_text()) == {"value": {"a": 1}}


def test_a_value_json_cannot_hold_is_an_error_not_a_silent_miss(tmp_path) -> None:
    with pytest.raises(TypeError, match="JSON-ready"):
        cached_result("sweep", {}, {}, lambda: {"x": object()}, cache_dir=tmp_path)


def test_dataset_tasks_are_never_read_from_disk(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("FUSION_CACHE_DIR", str(tmp_path))

    class DatasetLike:
        is_built_in, name = False, "pets"

    compute = Counting({"a": (1, 2)})
    assert task_result("sweep", DatasetLike(), {}, {}, compute) == {"a": [1, 2]}
    task_result("sweep", DatasetLike(), {}, {}, compute)
    assert compute.calls == 2 and not list(tmp_path.rglob("*.json"))
    task_result("sweep", get_task("digits"), {}, {}, compute)
    task_result("sweep", get_task("digits"), {}, {}, compute)
    assert compute.calls == 3 and len(list(tmp_path.rglob("sweep-*.json"))) == 1


def test_the_program_version_covers_code_and_shipped_data_not_checkpoints(tmp_path, monkeypatch) -> None:
    (tmp_path / "fusion").mkdir()
    (tmp_path / "assets" / "avdigits").mkdir(parents=True)
    (tmp_path / "assets" / "checkpoints").mkdir()
    code, data, weights = tmp_path / "fusion" / "a.py", tmp_path / "assets" / "avdigits" / "x.npy", tmp_path / "assets" / "checkpoints" / "w"
    for path in (code, data, weights):
        path.write_text("1")
    monkeypatch.setattr(result_cache, "REPO", tmp_path)
    monkeypatch.setattr(result_cache, "ASSETS", tmp_path / "assets")

    def version() -> str:
        program_version.cache_clear()
        return program_version()

    try:
        seen = {version()}
        weights.write_text("2")  # models are keyed by their own fingerprint
        assert version() in seen
        for path in (code, data):
            path.write_text(path.read_text() + "changed")
            assert version() not in seen
            seen.add(version())
    finally:
        program_version.cache_clear()
