"""The one-sample analysis (what `explain` prints and the app draws) and the robustness sweep,
on the shipped models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fusion.models.checkpoints import load_models
from fusion.cli import main
from fusion.models.config import FUSION_STRATEGIES
from fusion.evaluation.accuracy import evaluate
from fusion.explain.analysis import explain_sample
from fusion.evaluation.robustness import robustness
from fusion.tasks import get_task, sample_from_files

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SHAPES = {"image": (8, 8), "audio": (60,)}


@pytest.fixture(scope="module")
def digits_models():
    return load_models("digits", list(FUSION_STRATEGIES))


def test_every_strategy_explains_a_test_sample_consistently(digits_models) -> None:
    analysis = {n: r.to_dict() for n, r in explain_sample(digits_models, get_task("digits").sample(5)).items()}
    assert set(analysis) == set(FUSION_STRATEGIES)
    for name, row in analysis.items():
        assert abs(sum(row["probabilities"]) - 1) < 1e-4
        assert row["predicted"] == int(np.argmax(row["probabilities"]))
        # efficiency: the contributions add up to the prediction minus the no-modality prior
        assert sum(row["shapley"].values()) == pytest.approx(row["value_full"] - row["value_empty"], abs=1e-5)
        assert row["value_full"] == pytest.approx(row["probabilities"][row["target"]], abs=1e-5)
        assert sum(row["integrated_gradients"].values()) == pytest.approx(1.0, abs=1e-6)
        for modality, grid in row["attention"].items():
            expected = SHAPES.get(modality, (len(row["words"]),))
            assert np.asarray(grid).shape == expected, (name, modality)
    for name in FUSION_STRATEGIES:  # early is one joint transformer: its maps cross modalities too
        assert set(analysis[name]["attention"]) == {"audio", "image", "text"}, name


def test_a_missing_modality_is_no_player_and_gets_no_map(digits_models) -> None:
    no_audio = get_task("digits").sample(5).without(["audio"])
    analysis = {n: r.to_dict() for n, r in explain_sample(digits_models, no_audio).items()}
    for row in analysis.values():
        assert set(row["shapley"]) == {"image", "text"}
        assert "audio" not in row["attention"] and "audio" not in row["integrated_gradients"]


def test_uploaded_files_are_explained_and_corruption_of_an_upload_is_seeded() -> None:
    sample = sample_from_files({"image": ASSETS / "digit.png", "audio": ASSETS / "long.wav", "text": "an even number"})
    assert any("kept the loudest" in w for w in sample.warnings)
    digits = get_task("digits")
    once = digits.corrupt(sample, {"image": 0.5, "audio": 0.5}, seed=3)
    again = digits.corrupt(sample, {"image": 0.5, "audio": 0.5}, seed=3)
    other = digits.corrupt(sample, {"image": 0.5, "audio": 0.5}, seed=4)
    assert np.array_equal(once.get("audio"), again.get("audio")) and not np.array_equal(once.get("audio"), other.get("audio"))
    assert not np.array_equal(once.get("image"), sample.get("image"))
    assert once.get("text") == sample.get("text")  # text was not corrupted


def test_explain_cli_prints_the_documented_json(capsys) -> None:
    assert main(["explain", "--task", "match", "--sample", "0", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["task"] == "match" and set(payload["strategies"]) == set(FUSION_STRATEGIES)
    for row in payload["strategies"].values():
        assert {"probabilities", "predicted", "shapley", "value_full", "value_empty", "attention",
                "integrated_gradients"} <= set(row)
        assert set(row["shapley"]) == {"audio", "image"}


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--task", "digits"],
        ["explain", "--task", "digits", "--sample", "400"],
        ["explain", "--task", "digits", "--sample", "1", "--text", "hello"],
        ["explain", "--task", "digits", "--image", str(ASSETS / "truncated.png")],
        ["explain", "--task", "match", "--text", "hello"],
        ["explain", "--task", "digits", "--sample", "1", "--target", "12"],
    ],
    ids=["nothing", "out-of-range", "sample-and-file", "bad-image", "text-on-match", "bad-target"],
)
def test_explain_cli_bad_input_is_one_line_with_status_2(argv, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m fusion explain: error:")


def test_robustness_curves_pass_through_the_headline_accuracy() -> None:
    models = load_models("match", ["early", "late"])
    result = robustness(models, "match", levels=(0.0, 1.0))
    for name, model in models.items():
        assert result.full[name] == evaluate(model)["accuracy"]
        # match's standard corruption is none, so level 0 of every modality is the headline accuracy
        assert all(curve[0] == result.full[name] for curve in result.curves[name].values())
        # without either side, nothing is left to compare: chance level
        assert all(abs(acc - 0.5) < 0.1 for acc in result.missing[name].values())
    assert get_task("match").standard_corruption == {}
    assert result.curves["early"]["audio"][1] < result.curves["early"]["audio"][0] - 0.2


@pytest.mark.parametrize(("task", "corruption"), [("digits", None), ("digits", {"image": 0.3, "audio": 0.9, "text": 0.5}), ("match", None)])
def test_one_sample_is_corrupted_exactly_like_its_row_of_the_split(task, corruption) -> None:
    from fusion.data.avdigits import load_task

    split = load_task(task, "test", corruption=corruption, seed=2)
    for row in (0, 17, 359):
        sample = get_task(task).sample(row, corruption=corruption, seed=2)
        assert np.array_equal(sample.get("image"), split.image[row])
        # the whole window the models read: noise over the clip, silence after it, as in training
        assert np.array_equal(sample.get("audio"), split.audio[row])
        assert sample.get("text") == (split.text[row] if task == "digits" else None)


def test_corrupting_the_audio_moves_contribution_away_from_it(digits_models) -> None:
    from fusion.explain.analysis import shapley_shift

    shift = shapley_shift(digits_models["late"], 0, {"audio": 1.0})
    for case in ("clean", "corrupted"):
        assert set(shift[case]["shapley"]) == {"audio", "image", "text"}
    assert shift["corrupted"]["shapley"]["audio"] < shift["clean"]["shapley"]["audio"]


def test_explain_cli_analyses_a_silent_clip_with_a_warning(capsys) -> None:
    assert main(["explain", "--task", "digits", "--audio", str(ASSETS / "silent.wav"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "the clip is silent" in captured.err and "microphone" not in captured.err
    assert set(json.loads(captured.out)["strategies"]) == set(FUSION_STRATEGIES)
