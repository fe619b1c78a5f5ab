"""``python -m fusion`` on a dataset folder: encoders, export-avdigits, train --data, and evaluate /
explain of the heads (``--checkpoint`` or the dataset task by name), with the same JSON as the
built-in tasks and one-line errors; ``tasks`` lists the dataset task of a run."""

from __future__ import annotations

import json

import pytest

from fusion.cli import main
from fusion.embeddings.cache import EmbeddingCache
from fusion.tasks.dataset import task_from_checkpoints
from tests.cli.test_commands import run_main
from tests.embeddings.conftest import train_heads

@pytest.fixture(scope="module")
def trained_root(small_dataset, session_cache, tmp_path_factory):
    """Heads trained with `train --data` into a run folder ``<user dir>/cli-run`` (TASK/NAME/); a
    unimodal head first: it reads one encoder only."""
    return train_heads(small_dataset, session_cache, tmp_path_factory.mktemp("user") / "cli-run",
                       ("audio", "hybrid", "image"), 2)


@pytest.fixture(autouse=True)
def shared_cache(session_cache, monkeypatch):
    monkeypatch.setenv("FUSION_CACHE_DIR", str(session_cache))


def test_encoders_json_lists_each_encoder_with_the_documented_fields(capsys) -> None:
    code, out, _ = run_main(["encoders", "--json"], capsys)
    assert code == 0
    rows = json.loads(out)["encoders"]
    assert {"name", "modality", "dim", "tokens", "offline", "source"} <= set(rows[0])
    by_name = {(r["name"], r["modality"]): r for r in rows}
    assert by_name["efficientnet-lite0", "image"]["offline"] and by_name["efficientnet-lite0", "image"]["dim"] == 1280
    assert by_name["minilm", "text"]["offline"] and by_name["minilm", "text"]["dim"] == 384
    assert by_name["logmel", "audio"]["offline"]


def test_train_writes_heads_and_evaluate_prints_the_builtin_json(trained_root, small_dataset, capsys) -> None:
    code, out, err = run_main(["evaluate", "--checkpoint", str(trained_root), "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["task"] == "digits-small"
    assert [r["strategy"] for r in payload["results"]] == ["hybrid", "audio", "image"]
    code, builtin, _ = run_main(["evaluate", "--task", "match", "--strategy", "late", "--json"], capsys)
    assert set(payload["results"][0]) == set(json.loads(builtin)["results"][0])
    assert all(r["n"] == 80 and r["split"] == "test" for r in payload["results"])
    single = trained_root / "digits-small" / "hybrid"
    code, out, _ = run_main(["evaluate", "--checkpoint", str(single), "--json", "--data", str(small_dataset)], capsys)
    assert code == 0 and [r["strategy"] for r in json.loads(out)["results"]] == ["hybrid"]


def test_explain_a_test_row_and_a_file_of_a_head(trained_root, small_dataset, capsys) -> None:
    code, out, err = run_main(["explain", "--checkpoint", str(trained_root), "--sample", "2", "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert list(payload["strategies"]) == ["hybrid"]  # "all" means the fusion strategies, as for built-ins
    assert payload["classes"] == [str(d) for d in range(10)] and payload["label"] is not None
    hybrid = payload["strategies"]["hybrid"]
    assert set(hybrid["shapley"]) == {"audio", "image", "text"} and hybrid["layouts"]["image"]["kind"] == "grid"
    image = small_dataset / "images" / "test_0002.png"
    code, out, err = run_main(["explain", "--checkpoint", str(trained_root), "--image", str(image), "--text", "a seven",
                               "--json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)["strategies"]["hybrid"]["shapley"]) == {"image", "text"}
    code, _, err = run_main(["explain", "--checkpoint", str(trained_root), "--text-file", "/no/such.txt"], capsys)
    assert code == 2 and "cannot read /no/such.txt" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--data", "/no/such/folder", "--strategy", "early"], "does not exist"),
        (["train", "--task", "digits", "--strategy", "early", "--image-encoder", "pixels"], "applies to --data"),
        (["train", "--task", "digits", "--data", "x", "--strategy", "early"], "not allowed with"),
        (["evaluate", "--json"], "give --task"),
        (["interactions", "--checkpoint", "."], "built-in tasks"),
    ],
)
def test_user_errors_are_one_line(argv, message, capsys) -> None:
    code, out, err = run_main(argv, capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_a_malformed_manifest_is_refused_with_a_clear_message(tmp_path, capsys) -> None:
    (tmp_path / "manifest.csv").write_text("image,colour,label\na.png,red,1\n")
    code, _, err = run_main(["train", "--data", str(tmp_path), "--strategy", "early"], capsys)
    assert code == 2 and "colour" in err and "Traceback" not in err


def test_an_unavailable_encoder_fails_fast_with_what_to_download(small_dataset, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", "/nonexistent-cache")
    code, _, err = run_main(["train", "--data", str(small_dataset), "--strategy", "early",
                             "--image-encoder", "open_clip:ViT-B-32/laion2b_s34b_b79k"], capsys)
    assert code == 2 and "laion/CLIP-ViT-B-32-laion2B-s34B-b79K" in err


def test_export_refuses_a_folder_that_is_not_empty(tmp_path, capsys) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    code, _, err = run_main(["export-avdigits", str(tmp_path)], capsys)
    assert code == 2 and "empty" in err and (tmp_path / "keep.txt").read_text() == "mine"


def test_export_rows_writes_a_tiny_folder(tmp_path, capsys) -> None:
    code, out, _ = run_main(["export-avdigits", str(tmp_path / "tiny"), "--rows", "3"], capsys)
    assert code == 0 and "wrote" in out
    import csv

    with open(tmp_path / "tiny" / "manifest.csv", newline="") as handle:
        splits = [row["split"] for row in csv.DictReader(handle)]
    assert sorted(splits) == sorted(["train", "val", "test"] * 3)


def test_the_cache_is_not_touched_by_evaluate(trained_root, session_cache, capsys) -> None:
    before = sorted(p.name for p in EmbeddingCache(session_cache).root.rglob("*.safetensors"))
    run_main(["evaluate", "--checkpoint", str(trained_root), "--json"], capsys)
    assert sorted(p.name for p in EmbeddingCache(session_cache).root.rglob("*.safetensors")) == before


# ------------------------------------------------- heads through the same path as built-in models
def test_tasks_lists_the_dataset_task_of_a_run_after_train_data(trained_root, monkeypatch, capsys) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(trained_root.parent))  # trained_root is the run <user dir>/cli-run
    code, out, err = run_main(["tasks", "--json"], capsys)
    assert code == 0, err
    tasks = {row["name"]: row for row in json.loads(out)["tasks"]}
    assert list(tasks) == ["digits", "match", "motion", "digits-small"]  # built-in first, then the runs' dataset tasks
    assert tasks["digits-small"] == {"name": "digits-small", "modalities": ["audio", "image", "text"],
                                     "classes": [str(d) for d in range(10)], "kind": "dataset", "chance": 0.1}
    code, out, _ = run_main(["tasks"], capsys)
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith("digits-small")]
    assert line.split()[:2] == ["digits-small", "dataset"]


def test_predictions_of_heads_are_in_split_order(trained_root, capsys) -> None:
    code, out, err = run_main(["evaluate", "--checkpoint", str(trained_root), "--json", "--predictions"], capsys)
    assert code == 0, err
    results = json.loads(out)["results"]
    task = task_from_checkpoints(sorted(trained_root.glob("digits-small/*")))
    labels = [task.sample(i).label for i in range(task.split_size("test"))]
    for row in results:
        assert len(row["predictions"]) == row["n"] == len(labels) == 80
        assert all(isinstance(p, int) and 0 <= p < 10 for p in row["predictions"])
        hits = sum(p == label for p, label in zip(row["predictions"], labels))
        assert row["accuracy"] == round(hits / len(labels), 4), row["strategy"]
    hybrid = next(r for r in results if r["strategy"] == "hybrid")
    for index in (0, 2, 79):  # explain reads the row exactly as evaluate scored it
        code, out, _ = run_main(["explain", "--checkpoint", str(trained_root), "--strategy", "hybrid",
                                 "--sample", str(index), "--json"], capsys)
        assert code == 0
        assert json.loads(out)["strategies"]["hybrid"]["predicted"] == hybrid["predictions"][index]
    code, out, _ = run_main(["evaluate", "--checkpoint", str(trained_root), "--json"], capsys)
    assert "predictions" not in json.loads(out)["results"][0]


def test_a_dataset_task_is_found_by_name_in_the_user_runs(trained_root, monkeypatch, capsys) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(trained_root.parent))
    code, by_folder, _ = run_main(["evaluate", "--checkpoint", str(trained_root), "--strategy", "hybrid", "--json"], capsys)
    assert code == 0
    code, by_name, err = run_main(["evaluate", "--task", "digits-small", "--strategy", "hybrid", "--json"], capsys)
    assert code == 0, err
    assert json.loads(by_name) == json.loads(by_folder)
    code, out, _ = run_main(["explain", "--task", "digits-small", "--sample", "2"], capsys)
    assert code == 0
    [line] = out.splitlines()  # "all" = the fusion strategies: the run's one hybrid head
    predicted = line.split("predicts ")[1].split()[0]
    assert line.split(":")[0].strip() == "hybrid" and predicted in [str(d) for d in range(10)]
    code, out, err = run_main(["robustness", "--task", "digits-small"], capsys)
    assert code == 2 and out == "" and "not on the dataset task 'digits-small'" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "extra, message",
    [
        (["evaluate", "--corruption", "image=0.5"], "built-in tasks"),
        (["explain", "--sample", "0", "--corruption", "image=0.5"], "built-in tasks"),
        (["explain", "--sample", "0", "--target", "10"], "0..9"),
        (["explain", "--sample", "80"], "0..79"),
        (["interactions"], "built-in tasks"),
        (["robustness"], "built-in tasks"),
    ],
)
def test_what_applies_to_built_in_tasks_only_is_one_line_for_heads(trained_root, extra, message, capsys) -> None:
    command, *rest = extra
    code, out, err = run_main([command, "--checkpoint", str(trained_root), *rest], capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1, err
