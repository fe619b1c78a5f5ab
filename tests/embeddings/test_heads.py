"""Fusion heads over frozen encoders: configs, training on a dataset folder, checkpoints,
evaluation and explanations."""

from __future__ import annotations

import json

import pytest
import torch

from fusion.models.checkpoints import load_checkpoint, read_metrics
from fusion.embeddings.heads import head_config
from fusion.embeddings.runs import train_head
from fusion.evaluation.accuracy import evaluate
from fusion.tasks.dataset import DATASET_RECORD, dataset_task, dataset_task_name, embedded_split, task_from_checkpoints
from fusion.errors import ConfigError
from fusion.explain.analysis import explain_model
from fusion.models.strategies import build_model

EPOCHS = 12


@pytest.fixture(scope="module")
def trained(small_embedded, tmp_path_factory):
    """Every head of the small dataset, trained briefly: name -> (metrics, folder)."""
    out = tmp_path_factory.mktemp("runs")
    heads = {}
    for name in ("early", "late", "hybrid", "audio", "image", "text"):
        _, metrics, folder = train_head(small_embedded, name, out, epochs=EPOCHS, progress=False)
        heads[name] = (metrics, folder)
    return heads


def test_heads_read_tokens_except_early_fusion_with_a_vector_operator(small_embedded) -> None:
    for name, operator, tokens in (("hybrid", None, True), ("late", None, True), ("early", None, True),
                                   ("early", "product", False), ("early", "gated", False), ("image", None, True)):
        config = head_config(small_embedded, name, operator)
        for spec in config.encoders:
            dim, token_dim, most = small_embedded.dims[spec.modality]
            assert (spec.tokens, spec.features) == ((most, token_dim) if tokens else (1, dim)), (name, operator, spec)
    config = head_config(small_embedded, "hybrid")
    assert config.classes == tuple(str(d) for d in range(10))
    assert json.loads(config.to_json())["encoders"][0] == {"modality": "audio", "encoder": "logmel", "features": 64,
                                                            "tokens": small_embedded.dims["audio"][2]}


def test_unknown_heads_and_misplaced_options_are_refused(small_embedded) -> None:
    with pytest.raises(ConfigError, match="unknown strategy"):
        head_config(small_embedded, "middle")
    with pytest.raises(ConfigError, match="--operator applies"):
        head_config(small_embedded, "late", operator="sum")


def test_every_strategy_trains_and_fusion_beats_each_unimodal_head(trained) -> None:
    accuracy = {name: metrics["accuracy"] for name, (metrics, _) in trained.items()}
    best_single = max(accuracy["audio"], accuracy["image"], accuracy["text"])
    for strategy in ("early", "late", "hybrid"):
        assert accuracy[strategy] > best_single, accuracy
    assert accuracy["text"] < 0.4  # captions are ambiguous by design: the text alone is weak


def test_a_saved_head_reloads_and_scores_what_its_metrics_say(trained, small_embedded) -> None:
    metrics, folder = trained["hybrid"]
    assert read_metrics(folder) == metrics
    record = json.loads((folder / DATASET_RECORD).read_text())
    assert record["encoders"] == {"audio": "logmel", "image": "pixels", "text": "words"}
    model = load_checkpoint(folder)
    again = evaluate(model, task=dataset_task(small_embedded))
    assert again["accuracy"] == metrics["accuracy"] and again["n"] == 80


def test_the_checkpoint_finds_its_dataset_again(trained, small_embedded) -> None:
    _, folder = trained["late"]
    task = task_from_checkpoints(folder)
    assert task.name == "digits-small" and task.encoders == small_embedded.encoders
    dataset = task.dataset()
    model = load_checkpoint(folder)
    a = embedded_split(dataset, model.config, "test")
    b = embedded_split(small_embedded, model.config, "test")
    assert torch.equal(a.labels, b.labels)
    for m in model.modalities:
        assert torch.equal(a.inputs[m], b.inputs[m])


def test_a_head_refuses_data_encoded_with_another_encoder(trained, small_embedded) -> None:
    from dataclasses import replace

    model = load_checkpoint(trained["early"][1])
    other = replace(small_embedded, encoders={**small_embedded.encoders, "image": "efficientnet-lite0"})
    with pytest.raises(ConfigError, match="encoded with efficientnet-lite0"):
        embedded_split(other, model.config, "test")


@pytest.mark.parametrize("name", ["early", "late", "hybrid"])
def test_explanations_of_a_head_are_per_token_and_complete(trained, small_embedded, name) -> None:
    model = load_checkpoint(trained[name][1])
    row = small_embedded.rows("test")[3]
    encodings = {m: small_embedded.encodings[m][row] for m in small_embedded.encoders}
    sample = dataset_task(small_embedded).sample(3)  # the row's files and text, encoded again through the cache
    result = explain_model(model, sample).to_dict(maps=True)
    assert abs(sum(result["shapley"].values()) - (result["value_full"] - result["value_empty"])) < 1e-6
    ig = result["integrated_gradients_maps"]
    convergence = result["integrated_gradients_convergence"]
    assert convergence["converged"] and abs(convergence["delta"]) <= convergence["tolerance"]
    assert sum(sum(v) for v in ig.values()) == pytest.approx(convergence["gap"] + convergence["delta"], abs=1e-4)
    for m, encoding in encodings.items():
        assert len(ig[m]) == len(encoding.tokens), "one attribution per real token"
        if m in result["attention"]:
            assert len(result["attention"][m]) == len(encoding.tokens)
    assert result["layouts"]["image"] == {"kind": "grid", "grid": [4, 4], "labels": [], "seconds": []}
    assert result["words"] == list(encodings["text"].layout.labels)
    if name == "hybrid":
        assert set(result["attention"]) == {"audio", "image", "text"}


def test_a_missing_modality_in_a_row_is_absent_for_the_model(small_embedded, trained) -> None:
    model = load_checkpoint(trained["late"][1])
    sample = dataset_task(small_embedded).sample(0).without(["text"])
    result = explain_model(model, sample).to_dict()
    assert set(result["shapley"]) == {"audio", "image"}
    config = head_config(small_embedded, "late")
    assert build_model(config).num_parameters() == model.num_parameters()


def test_a_dataset_named_like_a_builtin_task_gets_its_own_task_name() -> None:
    assert dataset_task_name("digits") == "digits-data"
    assert dataset_task_name("my photos!") == "my_photos"


def test_missing_modality_accuracy_removes_one_modality_at_a_time(trained, small_embedded) -> None:
    from fusion.evaluation.comparison import missing_modality_accuracy

    models = {name: load_checkpoint(trained[name][1]) for name in ("hybrid", "text")}
    full, missing = missing_modality_accuracy(models, dataset_task(small_embedded))
    assert full == {name: trained[name][0]["accuracy"] for name in models}
    assert set(missing) == {"hybrid"} and set(missing["hybrid"]) == {"audio", "image", "text"}
    assert min(missing["hybrid"].values()) < full["hybrid"]  # some modality matters
