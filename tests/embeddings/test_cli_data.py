"""``python -m fusion`` on a dataset folder: encoders, export-avdigits, train --data, and evaluate /
explain --checkpoint, with the same JSON as the built-in tasks and one-line errors."""

from __future__ import annotations

import json

import pytest

from fusion.embeddings.cache import EmbeddingCache
from tests.test_cli import run_main

CHEAP_FLAGS = ["--image-encoder", "pixels", "--audio-encoder", "logmel", "--text-encoder", "words"]


@pytest.fixture(scope="module")
def trained_root(small_dataset, session_cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-runs")
    patch = pytest.MonkeyPatch()
    patch.setenv("FUSION_CACHE_DIR", str(session_cache))
    try:
        from fusion.cli import main

        for strategy in ("audio", "hybrid", "image"):  # a unimodal head first: it reads one encoder only
            assert main(["train", "--data", str(small_dataset), "--strategy", strategy, *CHEAP_FLAGS,
                         "--epochs", "2", "--out", str(out)]) == 0
    finally:
        patch.undo()
    return out


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


def test_the_cache_is_not_touched_by_evaluate(trained_root, session_cache, capsys) -> None:
    before = sorted(p.name for p in EmbeddingCache(session_cache).root.rglob("*.safetensors"))
    run_main(["evaluate", "--checkpoint", str(trained_root), "--json"], capsys)
    assert sorted(p.name for p in EmbeddingCache(session_cache).root.rglob("*.safetensors")) == before
