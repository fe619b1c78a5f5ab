"""Reliance on a dataset task: the exported AV-Digits folder carries group:accent and group:voice,
the dataset task exposes them per row, and ``reliance`` groups its heads' test rows by them."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from fusion.tasks.dataset import task_from_checkpoints
from tests.cli.test_commands import assert_one_line_error, run_main
from tests.embeddings.conftest import train_heads

@pytest.fixture(scope="module")
def heads(small_dataset, session_cache, tmp_path_factory):
    return train_heads(small_dataset, session_cache, tmp_path_factory.mktemp("user") / "groups-run", ("early",), 1)


@pytest.fixture(autouse=True)
def shared_cache(session_cache, monkeypatch):
    monkeypatch.setenv("FUSION_CACHE_DIR", str(session_cache))


def test_the_dataset_task_carries_the_manifests_groups(heads, small_dataset):
    task = task_from_checkpoints(heads / "digits-small" / "early")
    assert task.group_names() == ("accent", "voice")
    with (small_dataset / "manifest.csv").open(newline="") as handle:
        test_rows = [row for row in csv.DictReader(handle) if row["split"] == "test"]
    groups = task.groups("test")
    assert groups["accent"] == [row["group:accent"] for row in test_rows]
    assert groups["voice"] == [row["group:voice"] for row in test_rows]


def test_reliance_groups_the_heads_test_rows(heads, small_dataset, capsys):
    code, out, err = run_main(["reliance", "--checkpoint", str(heads), "--group-by", "voice", "--seeds", "1", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["task"] == "digits-small" and report["group_by"] == "voice"
    with (small_dataset / "manifest.csv").open(newline="") as handle:
        counts = Counter(row["group:voice"] for row in csv.DictReader(handle) if row["split"] == "test")
    assert {g["group"]: g["n"] for g in report["groups"]} == dict(counts)
    for group in report["groups"]:
        shares = group["strategies"]["early"]["shapley_share"]
        assert set(shares) == {"audio", "image", "text"} and sum(shares.values()) == pytest.approx(1.0, abs=1e-3)


def test_an_unknown_group_column_of_a_dataset_is_one_line(heads, capsys):
    code, out, err = run_main(["reliance", "--checkpoint", str(heads), "--group-by", "site"], capsys)
    assert_one_line_error(code, out, err)
    assert "no group column 'site'; choose one of: accent, voice" in err
