"""``python -m fusion tasks``: the built-in tasks with their modalities, classes, kind and chance
(the dataset task of a run is tested with the heads, in tests/embeddings/test_cli_data.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fusion.tasks import get_task
from tests.cli.test_commands import run_main


@pytest.fixture(autouse=True)
def no_user_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path / "no-runs"))


def test_tasks_json_lists_the_built_in_tasks(capsys) -> None:
    code, out, err = run_main(["tasks", "--json"], capsys)
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert list(payload) == ["tasks"]
    assert payload["tasks"] == [
        {"name": "digits", "modalities": ["audio", "image", "text"], "classes": [str(d) for d in range(10)],
         "kind": "built-in", "chance": 0.1},
        {"name": "match", "modalities": ["audio", "image"], "classes": ["different", "same"],
         "kind": "built-in", "chance": 0.5},
        {"name": "motion", "modalities": ["text", "video"], "classes": ["no", "yes"],
         "kind": "built-in", "chance": 0.5},
    ]
    assert payload["tasks"][1] == get_task("match").to_dict()


def test_tasks_table_has_a_row_per_task(capsys) -> None:
    code, out, _ = run_main(["tasks"], capsys)
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.split()[:2] == ["name", "kind"]
    assert [row.split()[:2] for row in rows] == [["digits", "built-in"], ["match", "built-in"], ["motion", "built-in"]]
    assert rows[1].endswith("different, same") and "0.500" in rows[1]
