"""Reliance per group: how accurate each model is for each group of a task's rows, and how much its
predictions rest on each modality there.

For every model and group column (e.g. AV-Digits' speaker accent):

- **accuracy per group** through fairlearn's ``MetricFrame``, each with a 95 % Wilson score interval
  (exact enough for the small groups here, and never outside [0, 1]); a group of fewer than
  ``SMALL_GROUP`` rows is flagged as small;
- **modality Shapley share**: for each row, the exact modality Shapley values of the probability of
  the class the model predicts (``fusion.explain.shapley.shapley_values``, every row of the split at
  once: one batched pass per coalition of the model's own absent mask). A group's share of modality m
  is mean |phi_m| over its rows divided by the sum over modalities of mean |phi|, so the shares of a
  group sum to 1;
- **perceptual score** (Gat et al. 2021): the accuracy drop when modality m is permuted across the
  split (each row gets another row's m, so m no longer matches the rest), averaged over
  ``PERMUTATION_SEEDS`` seeds, for the whole split and per group.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fusion.errors import ConfigError
from fusion.evaluation.accuracy import predict_logits
from fusion.explain.shapley import shapley_values
from fusion.models.strategies import FusionModel
from fusion.tasks import Split, Task

SMALL_GROUP = 30  # fewer rows than this: the group is flagged as small
CONFIDENCE = 0.95
Z = 1.959963984540054  # the two-sided 95 % normal quantile
PERMUTATION_SEEDS = 5
INTERVAL = "Wilson score interval, 95 %"


def wilson_interval(correct: int, n: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``correct / n`` (Wilson 1927); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))  # rounding never leaves p outside


def _present(data: Split, modalities: list[str]) -> dict[str, Tensor]:
    present = getattr(data, "present", None)
    rows = len(data)
    return {m: present[m].bool() if present is not None and m in present else torch.ones(rows, dtype=torch.bool)
            for m in modalities}


@torch.no_grad()
def row_shapley(model: FusionModel, data: Split) -> tuple[Tensor, Tensor]:
    """(predicted class ``[N]``, exact modality Shapley values ``[M, N]`` of its probability), the
    modalities in ``model.modalities`` order; a modality a row lacks is absent in every coalition."""
    players = list(model.modalities)
    has = _present(data, players)
    probabilities = []
    for subset in range(1 << len(players)):
        mask = {m: has[m] & bool(subset & (1 << k)) for k, m in enumerate(players)}
        probabilities.append(torch.softmax(predict_logits(model, data.inputs, mask).double(), dim=-1))
    stacked = torch.stack(probabilities)  # [2^M, N, C]; the last coalition is everyone
    predicted = stacked[-1].argmax(-1)
    values = stacked.gather(2, predicted.view(1, -1, 1).expand(len(stacked), -1, 1)).squeeze(2)
    return predicted, shapley_values(values, len(players))


@torch.no_grad()
def permuted_correct(model: FusionModel, data: Split, modality: str, seed: int) -> np.ndarray:
    """Which rows the model gets right when ``modality`` (its values and its present mask) is
    permuted across the split with ``seed``."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    inputs = {**data.inputs, modality: data.inputs[modality][order]}
    present = _present(data, list(model.modalities))
    present[modality] = present[modality][order]
    return (predict_logits(model, inputs, present).argmax(-1) == data.labels).numpy()


def _frame(labels: np.ndarray, predicted: np.ndarray, groups: list[str], group_by: str):
    """fairlearn's MetricFrame of accuracy, correct rows and row count per group."""
    import pandas as pd
    from fairlearn.metrics import MetricFrame, count
    from sklearn.metrics import accuracy_score

    def correct(y_true, y_pred) -> int:
        return int(np.sum(np.asarray(y_true) == np.asarray(y_pred)))

    return MetricFrame(metrics={"accuracy": accuracy_score, "correct": correct, "n": count}, y_true=labels,
                       y_pred=predicted, sensitive_features=pd.Series(groups, name=group_by))


@dataclass(frozen=True)
class StrategyReliance:
    """One model on one group."""

    accuracy: float
    interval: tuple[float, float]  # INTERVAL
    shapley_share: dict[str, float]  # modality -> share of mean |Shapley|; sums to 1
    perceptual_score: dict[str, float]  # modality -> accuracy drop within the group when it is permuted


@dataclass(frozen=True)
class GroupReliance:
    group: str
    n: int
    small: bool  # fewer than SMALL_GROUP rows: read its numbers with care
    strategies: dict[str, StrategyReliance]


@dataclass(frozen=True)
class Gap:
    """The largest difference between two groups of one number of one model."""

    strategy: str
    what: str  # "accuracy" or "<modality> share"
    gap: float
    high: str  # the group with the larger value
    low: str
    high_value: float
    low_value: float


@dataclass(frozen=True)
class RelianceResult:
    task: str
    group_by: str
    split: str
    groups: list[GroupReliance]
    perceptual_score: dict[str, dict[str, float]]  # strategy -> modality -> accuracy drop on the split
    accuracy: dict[str, float]  # strategy -> accuracy on the whole split
    accuracy_gap: dict[str, Gap]  # strategy -> the largest accuracy difference between groups (fairlearn)
    seeds: int

    def largest_accuracy_gap(self) -> Gap | None:
        """The largest accuracy difference between two groups over the models (None: one group)."""
        gaps = list(self.accuracy_gap.values())
        return max(gaps, key=lambda g: g.gap) if gaps and len(self.groups) > 1 else None

    def largest_share_gap(self) -> Gap | None:
        """The largest difference of a modality's Shapley share between two groups over the models."""
        gaps = self.share_gaps()
        return max(gaps, key=lambda g: g.gap) if gaps and len(self.groups) > 1 else None

    def share_gaps(self) -> list[Gap]:
        """Per model and modality, the largest difference of its Shapley share between groups."""
        gaps = []
        for strategy in self.accuracy:
            for modality in self.groups[0].strategies[strategy].shapley_share:
                shares = {g.group: g.strategies[strategy].shapley_share[modality] for g in self.groups}
                high, low = max(shares, key=shares.get), min(shares, key=shares.get)
                gaps.append(Gap(strategy, f"{modality} share", shares[high] - shares[low], high, low, shares[high], shares[low]))
        return gaps

    def table_rows(self) -> list[dict[str, Any]]:
        """One flat row per group and model (the page's table and its CSV download)."""
        rows = []
        for group in self.groups:
            for strategy, entry in group.strategies.items():
                rows.append({self.group_by: group.group, "n": group.n, "small": group.small, "model": strategy,
                             "accuracy": entry.accuracy, "interval low": entry.interval[0],
                             "interval high": entry.interval[1],
                             **{f"{m} share": v for m, v in entry.shapley_share.items()},
                             **{f"{m} perceptual score": v for m, v in entry.perceptual_score.items()}})
        return rows

    def to_dict(self) -> dict[str, Any]:
        """What ``python -m fusion reliance --json`` prints."""
        groups = [{"group": g.group, "n": g.n, "small": g.small,
                   "strategies": {s: {"accuracy": r.accuracy, "interval": list(r.interval),
                                      "shapley_share": r.shapley_share, "perceptual_score": r.perceptual_score}
                                  for s, r in g.strategies.items()}}
                  for g in self.groups]
        return {"task": self.task, "group_by": self.group_by, "split": self.split, "groups": groups,
                "perceptual_score": self.perceptual_score, "accuracy": self.accuracy,
                "accuracy_gap": {s: asdict(g) for s, g in self.accuracy_gap.items()},
                "interval": INTERVAL, "small_group": SMALL_GROUP, "permutation_seeds": self.seeds}


def _shares(magnitude: np.ndarray, modalities: list[str]) -> dict[str, float]:
    """Shares of mean |Shapley| ``magnitude`` ``[rows, M]``; equal shares if no modality moves anything."""
    mean = magnitude.mean(0) if len(magnitude) else np.zeros(len(modalities))
    total = mean.sum()
    shares = mean / total if total > 0 else np.full(len(modalities), 1.0 / len(modalities))
    return {m: round(float(v), 4) for m, v in zip(modalities, shares)}


def reliance(task: Task, models: Mapping[str, FusionModel], group_by: str | None = None, split: str = "test",
             seed: int = 0, seeds: int = PERMUTATION_SEEDS) -> RelianceResult:
    """Per-group accuracy, Shapley shares and perceptual scores of ``models`` on ``task``'s ``split``
    (at the task's standard corruption, corruption seed ``seed``); ``group_by`` defaults to the
    task's first group column."""
    if not models:
        raise ConfigError("no models to compare")
    if seeds < 1:
        raise ConfigError(f"the perceptual score needs at least one permutation seed, got {seeds}")
    names = task.group_names()
    group_by = group_by if group_by is not None else (names[0] if names else "group")
    groups = np.asarray(task.group(group_by, split), dtype=object)
    values = sorted(set(groups.tolist()))
    rows = {value: np.flatnonzero(groups == value) for value in values}
    per_group: dict[str, dict[str, StrategyReliance]] = {value: {} for value in values}
    perceptual, accuracy, gaps = {}, {}, {}
    for name, model in models.items():
        data = task.split(model, split, None, seed)
        if len(data) != len(groups):
            raise ConfigError(f"the {split} split has {len(data)} rows but {len(groups)} {group_by} values")
        labels = data.labels.numpy()
        predicted, phi = row_shapley(model, data)
        predicted, magnitude = predicted.numpy(), phi.abs().T.numpy()  # [N, M]
        correct = predicted == labels
        frame = _frame(labels, predicted, groups.tolist(), group_by)
        accuracy[name] = round(float(frame.overall["accuracy"]), 4)
        by_group = frame.by_group
        permuted = {m: np.mean([permuted_correct(model, data, m, seed + k) for k in range(seeds)], axis=0)
                    for m in model.modalities}  # [N]: share of seeds each row stays right
        perceptual[name] = {m: round(float(correct.mean() - permuted[m].mean()), 4) for m in model.modalities}
        for value in values:
            members = rows[value]
            n, right = int(by_group.loc[value, "n"]), int(by_group.loc[value, "correct"])
            per_group[value][name] = StrategyReliance(
                accuracy=round(float(by_group.loc[value, "accuracy"]), 4),
                interval=tuple(round(v, 4) for v in wilson_interval(right, n)),
                shapley_share=_shares(magnitude[members], list(model.modalities)),
                perceptual_score={m: round(float(correct[members].mean() - permuted[m][members].mean()), 4)
                                  for m in model.modalities},
            )
        best, worst = frame.group_max()["accuracy"], frame.group_min()["accuracy"]
        high = next(v for v in values if by_group.loc[v, "accuracy"] == best)
        low = next(v for v in values if by_group.loc[v, "accuracy"] == worst)
        gaps[name] = Gap(name, "accuracy", round(float(frame.difference(method="between_groups")["accuracy"]), 4),
                         high, low, round(float(best), 4), round(float(worst), 4))
    result_groups = [GroupReliance(v, len(rows[v]), len(rows[v]) < SMALL_GROUP, per_group[v]) for v in values]
    return RelianceResult(task.name, group_by, split, result_groups, perceptual, accuracy, gaps, seeds)


def describe_gap(result: RelianceResult) -> str:
    """The largest differences between groups, of accuracy and of reliance on a modality, in words."""
    accuracy, share = result.largest_accuracy_gap(), result.largest_share_gap()
    if accuracy is None or share is None:
        return f"Only one {result.group_by} group, so there is no gap between groups."
    small = {g.group for g in result.groups if g.small}

    def caveat(gap: Gap) -> str:
        flagged = sorted(small & {gap.high, gap.low})
        return f" ({', '.join(flagged)}: fewer than {SMALL_GROUP} rows, read with care)" if flagged else ""

    modality = share.what.split()[0]
    return (f"The largest accuracy gap between {result.group_by} groups is {accuracy.strategy} fusion's: "
            f"{accuracy.high_value:.1%} for {accuracy.high} against {accuracy.low_value:.1%} for {accuracy.low} "
            f"({accuracy.gap * 100:.1f} points){caveat(accuracy)}. The largest reliance gap is {share.strategy} "
            f"fusion's on the {modality}: {share.high_value:.0%} of its mean |Shapley| for {share.high} against "
            f"{share.low_value:.0%} for {share.low} ({share.gap * 100:.0f} points of share){caveat(share)}.")
