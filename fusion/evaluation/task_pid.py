"""Which information a task holds: the PID of (modality A, modality B) about the label, estimated as
Liang et al. (2023) do on real data, by discretising each modality's representation.

1. **Representation**: each modality's embedding from its own network in a late-fusion model (the
   task's shipped ``late`` model, or one given): a late model's branch for modality m reads m only,
   so it is a unimodal encoder, trained on the task's training split.
2. **Discretisation**: k-means (scikit-learn, seeded) with ``clusters`` centres per modality,
   fitted on the training split's embeddings.
3. **Estimate**: the plug-in joint p(c_A, c_B, y) of the held-out split's cluster codes and labels,
   decomposed by :func:`fusion.evaluation.pid.decompose` (BROJA, in bits).

Plug-in estimates are biased upwards with few samples per cell (synergy most, since it lives in the
joint cells). ``control`` is the same estimate with the labels shuffled across the split, where the
truth is 0 for every atom: what it shows is that bias. With three modalities each pair is
decomposed (the third is ignored). ``predictions`` decomposes each model's predicted class in
place of the label: which kinds of information the model's answers carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np
import torch
from torch import Tensor

from fusion.errors import ConfigError
from fusion.evaluation.accuracy import predict_logits
from fusion.evaluation.pid import ESTIMATOR, Decomposition, decompose_samples
from fusion.models.strategies import FusionModel

CLUSTERS = 10
EMBEDDER = "late"
EMBEDDING_SOURCE = "each modality's own network in the task's late-fusion model"


@torch.no_grad()
def modality_embeddings(model: FusionModel, inputs: Mapping[str, Tensor], batch: int = 512) -> dict[str, np.ndarray]:
    """Each modality's embedding ``[N, D]`` from a late model's per-modality networks."""
    if model.config.strategy != "late":
        raise ConfigError(f"unimodal embeddings come from a late-fusion model's branches; {model.config.name!r} is "
                          f"{model.config.strategy}")
    if model.training:
        raise ValueError("the model is in training mode; call model.eval() first")
    total = next(iter(inputs.values())).shape[0]
    parts: dict[str, list[np.ndarray]] = {m: [] for m in model.modalities}
    for start in range(0, total, batch):
        output = model({m: inputs[m][start : start + batch] for m in model.modalities})
        for m in model.modalities:
            parts[m].append(output.embeddings[m].numpy())
    return {m: np.concatenate(p) for m, p in parts.items()}


def cluster_codes(train: np.ndarray, held_out: np.ndarray, clusters: int, seed: int) -> np.ndarray:
    """k-means centres fitted on ``train``; the cluster of each ``held_out`` row."""
    from sklearn.cluster import KMeans

    if not 2 <= clusters <= len(train):
        raise ConfigError(f"clusters must be in 2..{len(train)} (the training rows), got {clusters}")
    means = KMeans(n_clusters=clusters, random_state=seed, n_init=4).fit(train.astype(np.float64))
    return means.predict(held_out.astype(np.float64))


def pair_decompositions(codes: Mapping[str, np.ndarray], target: np.ndarray) -> list[Decomposition]:
    """One decomposition per pair of modalities (sorted), about ``target``."""
    return [decompose_samples(codes[a], codes[b], target, (a, b)) for a, b in combinations(sorted(codes), 2)]


def shuffled_control(codes: Mapping[str, np.ndarray], target: np.ndarray, seed: int) -> list[Decomposition]:
    """``pair_decompositions`` with the target permuted across rows: the truth is 0 bits everywhere."""
    shuffled = np.random.default_rng(seed).permutation(np.asarray(target))
    return pair_decompositions(codes, shuffled)


def pairs_report(decompositions: list[Decomposition]) -> dict:
    """The first pair's atoms at the top level (the only pair of a two-modality task), every pair in ``pairs``."""
    pairs = [{"modalities": list(d.sources), **atoms(d)} for d in decompositions]
    return {**pairs[0], "pairs": pairs}


def atoms(decomposition: Decomposition) -> dict:
    """A decomposition's numbers (units and estimator are stated once, by the report)."""
    fields = decomposition.to_dict()
    return {k: v for k, v in fields.items() if k not in ("units", "estimator")}


def task_pid(task, embedder: FusionModel, models: Mapping[str, FusionModel] | None = None,
             clusters: int = CLUSTERS, seed: int = 0, split: str = "test") -> dict:
    """The PID of ``task`` on ``split`` (standard corruption), its shuffled-label control, and the PID
    of each of ``models``' predictions, as one JSON-ready dict."""
    if len(embedder.modalities) < 2:
        raise ConfigError("a PID needs two modalities; this model reads one")
    train = task.split(embedder, "train", None, seed)
    held_out = task.split(embedder, split, None, seed)
    train_embeddings = modality_embeddings(embedder, train.inputs)
    held_embeddings = modality_embeddings(embedder, held_out.inputs)
    codes = {m: cluster_codes(train_embeddings[m], held_embeddings[m], clusters, seed) for m in embedder.modalities}
    labels = held_out.labels.numpy()
    report = {
        "task": task.name,
        **pairs_report(pair_decompositions(codes, labels)),
        "control": pairs_report(shuffled_control(codes, labels, seed)),
        "embedding": f"{EMBEDDING_SOURCE} ({embedder.config.name})",
        "clusters": clusters,
        "split": split,
        "units": "bits",
        "estimator": f"{ESTIMATOR} of the plug-in joint of k-means codes of unimodal embeddings",
        "predictions": {},
    }
    for name, model in (models or {}).items():
        data = task.split(model, split, None, seed)
        predicted = predict_logits(model, data.inputs).argmax(-1).numpy()
        report["predictions"][name] = {"accuracy": round(float((predicted == labels).mean()), 4),
                                       **pairs_report(pair_decompositions(codes, predicted))}
    return report
