"""``encode`` (fill the cache ahead of training), ``cache --list|--prune`` and the training record
in ``evaluate --json``, through ``fusion.cli.main``."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_commands import assert_one_line_error, run_main
from tests.embeddings.conftest import CHEAP, cut_export

ENCODERS = [f"--{m}-encoder={name}" for m, name in CHEAP.items()]


@pytest.fixture()
def folder(small_dataset, tmp_path):
    return cut_export(small_dataset, tmp_path / "data", {"train": 30, "val": 10, "test": 10})


def test_encode_fills_the_cache_and_a_second_run_encodes_nothing(folder, cache_dir, capsys) -> None:
    code, out, err = run_main(["encode", "--data", str(folder), *ENCODERS, "--json"], capsys)
    assert code == 0, err
    first = json.loads(out)
    assert first["rows"] == 50 and first["world_size"] == 1 and first["rows_per_second"] > 0
    # a fresh cache: each row encoded, or found there once an identical one was (captions repeat)
    assert all(c["rows"] == c["encoded"] + c["cached"] == 50 and c["encoded"] > 0 for c in first["modalities"].values())
    code, out, _ = run_main(["encode", "--data", str(folder), *ENCODERS, "--json"], capsys)
    assert all(c["cached"] == 50 and c["encoded"] == 0 for c in json.loads(out)["modalities"].values())
    code, out, _ = run_main(["cache", "--list", "--json"], capsys)
    listed = json.loads(out)
    assert listed["cache"] == str(cache_dir)
    assert {f["encoder"] for f in listed["folders"]} == set(CHEAP.values())
    assert all(f["items"] > 0 and f["bytes"] > 0 for f in listed["folders"])


def test_prune_says_what_it_removes_and_asks_unless_yes(folder, cache_dir, capsys, monkeypatch) -> None:
    run_main(["encode", "--data", str(folder), *ENCODERS], capsys)
    rows = (folder / "manifest.csv").read_text().splitlines()
    (folder / "manifest.csv").write_text("\n".join(rows[:-1]) + "\n")  # one row fewer: its caption may go
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out, err = run_main(["cache", "--prune", "--data", str(folder)], capsys)
    assert_one_line_error(code, "", err) if out == "" else None
    assert code == 2 and "--yes" in err and "are the entries none of" in out
    code, out, _ = run_main(["cache", "--list", "--json"], capsys)
    before = sum(f["items"] for f in json.loads(out)["folders"])
    code, out, err = run_main(["cache", "--prune", "--data", str(folder), "--yes", "--json"], capsys)
    assert code == 0, err
    pruned = json.loads(out)
    assert pruned["removed"] == pruned["files"] >= 1
    code, out, _ = run_main(["cache", "--list", "--json"], capsys)
    assert sum(f["items"] for f in json.loads(out)["folders"]) == before - pruned["removed"]
    code, out, err = run_main(["cache", "--prune"], capsys)
    assert_one_line_error(code, out, err)
    code, out, err = run_main(["cache", "--prune", "--all", "--yes"], capsys)
    assert code == 0 and "removed" in out
    code, out, _ = run_main(["cache", "--list", "--json"], capsys)
    assert json.loads(out)["folders"] == []


def test_evaluate_json_carries_the_training_record_of_shipped_models(capsys) -> None:
    code, out, err = run_main(["evaluate", "--task", "match", "--strategy", "early", "--json"], capsys)
    assert code == 0, err
    [result] = json.loads(out)["results"]
    assert result["training"]["world_size"] == 1 and result["training"]["backend"] is None
    assert result["training"]["seed"] == 0 and result["training"]["epochs"] >= 1
