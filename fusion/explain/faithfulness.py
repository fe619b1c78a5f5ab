"""Is an attention map faithful? The deletion test: remove the k most-attended tokens of a modality
and compare the drop in the predicted class's probability with removing k random tokens.

For each test sample (by default every row of the task's test split at its standard corruption,
the rows ``evaluate`` scores; ``n`` takes a seeded choice of that many) and each modality with an
attention map:

- the target is the class the model predicts on the whole input, ``p`` its probability;
- ``attention_drop``: ``p`` minus its probability with the ``k`` tokens of the largest attention
  weight (``AttentionMaps``' per-token vector) removed;
- ``random_drop``: the same with ``k`` tokens drawn at random (``draws`` draws per sample, averaged);
- ``difference_ci``: a 95 % bootstrap interval (percentile, seeded) of the mean paired difference
  ``attention_drop - random_drop`` over the samples. A lower bound above 0 means the map points at
  tokens the prediction depends on more than chance;
- ``padding_share``: the mean share of the map's mass on tokens without content (audio frames
  after the clip or digital silence, text padding; images have none).

Tokens are removed the model's own way (``ModalitySpec.delete_tokens``): audio tokens and words
are masked (the same mask as padding), image and video patches set to their blank (black)
baseline (neither has a token mask). Only tokens with content are candidates, for the map and for chance alike; ``k`` is
at most half of a sample's candidates, and a sample with fewer than two is skipped for that
modality (``n`` counts the samples used).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fusion.explain.attention import AttentionMaps, AttentionResult
from fusion.modalities import get_modality

K = 4
DRAWS = 8
BOOTSTRAP = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Faithfulness:
    """The deletion test of one model's map of one modality (see the module docstring)."""

    attention_drop: float
    random_drop: float
    difference_ci: tuple[float, float]
    n: int
    padding_share: float
    k: int

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["difference_ci"] = list(self.difference_ci)
        return out


def bootstrap_interval(values: np.ndarray, seed: int = 0, resamples: int = BOOTSTRAP,
                       confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(1)
    tail = (1.0 - confidence) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))


def _variants(inputs: Mapping[str, Tensor], result: AttentionResult, k: int, draws: int,
              rng: np.random.Generator) -> tuple[dict[str, Tensor], dict[str, tuple[int, int, float, int]]]:
    """One sample's batch for the deletion test (``result``: its attention maps): the whole input,
    then per modality with an attention map its top-k deletion and ``draws`` random ones; and per
    modality ``(first row, rows, padding_share, k used)`` in that batch. Modalities with fewer than
    two candidate tokens are left out."""
    variants, rows, size = [dict(inputs)], {}, 1
    for m, weights in sorted(result.tokens.items()):
        spec = get_modality(m)
        real = spec.real_tokens(inputs[m])[0].numpy()
        weights = np.asarray(weights, dtype=np.float64)
        total = float(weights.sum())
        candidates = np.flatnonzero(real)
        used = min(k, candidates.size // 2)
        if used < 1:
            continue
        top = candidates[np.argsort(-weights[candidates], kind="stable")[:used]]
        chosen = [top] + [rng.choice(candidates, size=used, replace=False) for _ in range(draws)]
        masks = torch.zeros(len(chosen), real.size, dtype=torch.bool)
        for row, tokens in enumerate(chosen):
            masks[row, torch.as_tensor(tokens)] = True
        batch = {o: x.expand(len(chosen), *x.shape[1:]) for o, x in inputs.items()}
        batch[m] = spec.delete_tokens(batch[m], masks)
        variants.append(batch)
        rows[m] = (size, len(chosen), float(weights[~real].sum() / total) if total > 0 else 0.0, used)
        size += len(chosen)
    return {o: torch.cat([v[o] for v in variants]) for o in inputs}, rows


def _drops(probabilities: Tensor, rows: Mapping[str, tuple[int, int, float, int]]) -> dict[str, tuple[float, float, float, int]]:
    """Per modality ``(attention_drop, random_drop, padding_share, k used)`` from one sample's
    batch probabilities (row 0: the whole input, whose predicted class is the target)."""
    target = int(probabilities[0].argmax())
    dropped = (probabilities[0, target] - probabilities[:, target]).numpy()
    return {m: (float(dropped[start]), float(dropped[start + 1: start + count].mean()), share, used)
            for m, (start, count, share, used) in rows.items()}


def _probabilities(model: torch.nn.Module, batch: Mapping[str, Tensor]) -> Tensor:
    with torch.no_grad():
        return torch.softmax(model(dict(batch)).logits.to(torch.float64), -1)


def sample_drops(model: torch.nn.Module, inputs: Mapping[str, Tensor], k: int = K, draws: int = DRAWS,
                 rng: np.random.Generator | None = None) -> dict[str, tuple[float, float, float, int]]:
    """One sample (batch 1, every modality present): per modality with an attention map,
    ``(attention_drop, random_drop, padding_share, k used)``."""
    result = AttentionMaps(model).attribute(inputs)
    batch, rows = _variants(inputs, result, k, draws, rng if rng is not None else np.random.default_rng(0))
    return _drops(_probabilities(model, batch), rows)


ROWS_PER_FORWARD = 16  # samples whose maps, then variants, share one forward (a tiny model's time is mostly per call)


def deletion_test(model: torch.nn.Module, split: Any, n: int | None = None, k: int = K, draws: int = DRAWS,
                  seed: int = 0) -> dict[str, Faithfulness]:
    """The deletion test over ``split`` (a task split: ``inputs`` per modality, every row with
    every modality), per modality with an attention map: every row, or ``n`` seeded rows.

    Every row by default: on a 200-row subsample, match hybrid's image map had a 95 % interval of
    [-0.004, +0.086]; on all 360 test rows [+0.027, +0.092] (the same model), so a subsample's
    interval is too wide to say whether a map beats chance."""
    if model.training:
        raise ValueError("the deletion test reads a model in eval mode; call model.eval() first")
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(split))[: len(split) if n is None else max(1, int(n))]
    found: dict[str, list[tuple[float, float, float, int]]] = {}
    for first in range(0, len(rows), ROWS_PER_FORWARD):
        chunk = rows[first: first + ROWS_PER_FORWARD]
        inputs = {m: split.inputs[m][torch.as_tensor(chunk)] for m in model.modalities}
        maps = AttentionMaps(model).attribute_each(inputs)
        pending = [_variants({m: x[i: i + 1] for m, x in inputs.items()}, result, k, draws, rng)
                   for i, result in enumerate(maps)]
        probabilities = _probabilities(model, {o: torch.cat([batch[o] for batch, _ in pending]) for o in model.modalities})
        start = 0
        for batch, where in pending:
            size = len(next(iter(batch.values())))
            for m, figures in _drops(probabilities[start: start + size], where).items():
                found.setdefault(m, []).append(figures)
            start += size
    out = {}
    for m, figures in found.items():
        table = np.array(figures, dtype=np.float64)
        out[m] = Faithfulness(
            attention_drop=float(table[:, 0].mean()), random_drop=float(table[:, 1].mean()),
            difference_ci=bootstrap_interval(table[:, 0] - table[:, 1], seed), n=len(table),
            padding_share=float(table[:, 2].mean()), k=int(table[:, 3].max()),
        )
    return out


class NotMeasured(LookupError):
    """The figures are not on disk yet (``task_faithfulness(..., measure=False)``)."""


# Beside a shipped checkpoint: its deletion test (``tools/record_faithfulness.py`` writes it), so a
# fresh checkout shows every shipped map's figures at once instead of "not measured yet".
RECORD = "faithfulness.json"


def deletion_settings(task: str, n: int | None = None, k: int = K, seed: int = 0) -> dict[str, Any]:
    """Everything a model's figures depend on besides its weights and the program."""
    return {"task": task, "n": n, "k": k, "draws": DRAWS, "seed": seed}


def measured_figures(model: torch.nn.Module, settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{modality: figures}`` of one built-in task's model, measured now."""
    from fusion.tasks import get_task

    split = get_task(settings["task"]).split(model, "test", None, 0)
    found = deletion_test(model, split, settings["n"], settings["k"], settings["draws"], seed=settings["seed"])
    return {m: f.to_dict() for m, f in found.items()}


def recorded_figures(name: str, model: torch.nn.Module, settings: Mapping[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The figures recorded beside the shipped checkpoint ``task/name`` when they are this model's
    (the same weights) under these settings, else None (a retrained or other model measures its
    own). ``tests/explain/test_faithfulness_shipped.py`` checks every record against a fresh
    measurement, so a record is what this program measures."""
    from fusion.errors import FusionError
    from fusion.evaluation.result_cache import fingerprint
    from fusion.io import read_json
    from fusion.models.checkpoints import checkpoint_dir, shipped_root

    path = checkpoint_dir(shipped_root(), settings["task"], name) / RECORD
    if not path.is_file():
        return None
    try:
        record = read_json(path, "a recorded deletion test", max_depth=6)
        if record["settings"] != dict(settings) or record["fingerprint"] != fingerprint(model):
            return None
        return {str(m): _checked(f) for m, f in record["figures"].items()}
    except (FusionError, TypeError, KeyError, AttributeError, ValueError):
        return None  # damaged or of another shape: measured as if there were none


def _checked(figures: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded map's figures with every field there and of its type (else TypeError, KeyError or
    ValueError), so a page never meets half a record."""
    low, high = figures["difference_ci"]
    return Faithfulness(float(figures["attention_drop"]), float(figures["random_drop"]), (float(low), float(high)),
                        int(figures["n"]), float(figures["padding_share"]), int(figures["k"])).to_dict()


def task_faithfulness(models: Mapping[str, torch.nn.Module], task: str, n: int | None = None, k: int = K, seed: int = 0,
                      cache_dir: Path | None = None, measure: bool = True,
                      records: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    """``{strategy: {modality: figures}}`` on a built-in task's test split at its standard
    corruption; a model without attention (or a head over frozen encoders) gets ``{}``. A shipped
    model's figures come from its checkpoint's record (``recorded_figures``; ``records=False``
    skips them, as the command does, which measures what this program does now); the others' are
    read from disk (``fusion.evaluation.result_cache``, per weights, settings and program), else
    measured once. Records are never copied into that cache, so a record written anew is read at
    once. ``measure=False`` only reads: ``NotMeasured`` if the figures are in neither."""
    from fusion.evaluation.result_cache import cached_result

    settings = deletion_settings(task, n, k, seed)
    out = {}
    for name, model in models.items():
        if getattr(model.config, "encoders", ()):  # a head reads encoder tokens: nothing to delete
            out[name] = {}
            continue
        recorded = recorded_figures(name, model, settings) if records else None
        if recorded is not None:
            out[name] = recorded
            continue

        def compute(model: torch.nn.Module = model, name: str = name) -> dict[str, dict[str, Any]]:
            if not measure:
                raise NotMeasured(f"the deletion test of {name} on {task} has not been run yet")
            return measured_figures(model, settings)

        out[name] = cached_result("faithfulness", {name: model}, settings, compute, cache_dir=cache_dir)
    return out


def beats_random_text(figures: Mapping[str, Any] | None) -> str:
    """One line for beside a map: how much more removing its most-attended tokens costs than
    removing random ones, with the interval, on the shipped test split."""
    if not figures:
        return "no deletion test for this map"
    low, high = figures["difference_ci"]
    difference = figures["attention_drop"] - figures["random_drop"]
    verdict = "beats" if low > 0 else ("does worse than" if high < 0 else "does not clearly beat")
    return (f"this map {verdict} random deletion by {difference:+.3f} in probability (95 % CI {low:+.3f} to "
            f"{high:+.3f}; the top k vs k random tokens removed, k = {figures['k']} or half a sample's tokens if fewer, "
            f"{figures['n']} test samples)")


def faithfulness_rows(strategies: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """``task_faithfulness``'s figures as table rows (one per model and modality), for Compare."""
    rows = []
    for name, per_modality in strategies.items():
        for m, f in per_modality.items():
            low, high = f["difference_ci"]
            rows.append({"model": name, "modality": m, "top-k removed: drop": round(f["attention_drop"], 3),
                         "random k removed: drop": round(f["random_drop"], 3),
                         "difference 95 % CI": f"[{low:+.3f}, {high:+.3f}]", "beats random": low > 0,
                         "attention on padding": round(f["padding_share"], 3), "k": f["k"], "n": f["n"]})
    return rows
