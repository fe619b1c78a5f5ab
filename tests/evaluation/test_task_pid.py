"""Task PID from clustered unimodal embeddings: the embeddings are a late model's branches, codes come
from k-means fitted on other rows, and the per-pair report holds every pair."""

import numpy as np
import pytest
import torch

from fusion.errors import ConfigError
from fusion.evaluation.task_pid import cluster_codes, modality_embeddings, pair_decompositions, pairs_report, shuffled_control
from fusion.models.configs import create_model


def test_a_late_models_branch_embedding_reads_its_own_modality_only():
    model = create_model("match-late-tiny").eval()
    torch.manual_seed(0)
    inputs = {"image": torch.rand(4, 8, 8), "audio": torch.rand(4, 32, 60)}
    other = {"image": inputs["image"], "audio": torch.rand(4, 32, 60)}
    first, second = modality_embeddings(model, inputs), modality_embeddings(model, other)
    assert np.allclose(first["image"], second["image"]) and not np.allclose(first["audio"], second["audio"])


def test_only_late_models_give_unimodal_embeddings():
    with pytest.raises(ConfigError, match="late"):
        modality_embeddings(create_model("match-early-tiny").eval(), {})


def test_codes_come_from_centres_fitted_on_the_training_rows():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 10.0]])
    train = centres[rng.integers(0, 2, 200)] + rng.normal(0, 0.1, (200, 2))
    codes = cluster_codes(train, np.array([[0.1, 0.0], [9.9, 10.0], [0.0, 0.2]]), 2, 0)
    assert codes[0] == codes[2] != codes[1]
    with pytest.raises(ConfigError):
        cluster_codes(train, train, 1, 0)


def test_every_pair_is_decomposed_and_the_control_holds_little():
    rng = np.random.default_rng(1)
    a, b, c = (rng.integers(0, 2, 4000) for _ in range(3))
    codes = {"image": a, "audio": b, "text": c}
    report = pairs_report(pair_decompositions(codes, a ^ b))
    assert [p["modalities"] for p in report["pairs"]] == [["audio", "image"], ["audio", "text"], ["image", "text"]]
    assert report["synergy"] == pytest.approx(1.0, abs=0.01)  # audio + image: XOR
    assert report["pairs"][1]["total"] < 0.01  # audio + text know nothing of image XOR audio
    control = pairs_report(shuffled_control(codes, a ^ b, 0))
    assert control["synergy"] < 0.01
