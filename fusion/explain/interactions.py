"""EMAP: Empirical Multimodally-Additive function Projection (Hessel & Lee, EMNLP 2020).

For N samples, evaluate the model on every cross-sample combination: group A's inputs from sample
i and group B's inputs from sample j, giving logits f(i, j) on an N x N grid. The best additive
approximation on that grid is

    f_hat(i, j) = mean_j' f(i, j') + mean_i' f(i', j) - mean f

and the non-additive share is Var(f - f_hat) / Var(f) (variances over the grid, summed over
classes; 0 when the model is constant on the grid). It is 0 for a model that adds a term per
group (e.g. a late model with the ``logit_sum`` combiner) and grows with cross-modal interaction.
``emap_accuracy`` scores the projection's predictions f_hat(i, i) on the original pairs.

Scale: the share depends on the scale the model's output is read on, so it is always stated
(``scale``): ``probability`` (softmax), ``log_probability`` (log-softmax) or ``logit`` (the raw
logits). A late model that averages probabilities is exactly additive on the probability scale
(share 0) but not on the logit or log-probability scale; a model adding logits (``logit_sum``) is
the reverse. On digits the late model scored 0.104 against hybrid's 0.009 on the logit scale,
which Compare used to read as "late combines them more". A high share means the output ON THAT
SCALE is not a sum of one effect per group; it does not mean the model uses the combination
well, nor anything about accuracy (``emap_accuracy`` against ``accuracy`` says what the
interaction is worth on the original pairs).

Groups: ``modality_a`` / ``modality_b`` are a modality name or a tuple of names. Every model
modality that is in neither group rides with group A (taken from sample i). So on the 2-modality
``match`` task the grid is image_i x audio_j; on the 3-modality ``digits`` task,
``EMAP(model, "image", "audio")`` keeps text and image of sample i and takes audio from sample j:
the interaction measured is that of audio with the rest. All modalities are present in every row.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fusion.explain.base import EmapResult, Explainer

MAX_ROWS = 4096  # rows per forward pass
VARIANCE_FLOOR = 1e-12
SCALES = ("probability", "log_probability", "logit")


def on_scale(logits: Tensor, scale: str) -> Tensor:
    """Logits ``[..., C]`` read on ``scale`` (one of ``SCALES``)."""
    if scale == "probability":
        return torch.softmax(logits, -1)
    if scale == "log_probability":
        return torch.log_softmax(logits, -1)
    return logits


def additive_projection(grid: Tensor) -> Tensor:
    """``grid`` ``[N, N, C]`` -> its additive projection (row means + column means - grand mean)."""
    rows = grid.mean(dim=1, keepdim=True)
    columns = grid.mean(dim=0, keepdim=True)
    return rows + columns - grid.mean(dim=(0, 1), keepdim=True)


def nonadditive_share(grid: Tensor) -> float:
    """Var(f - f_hat) / Var(f) over the grid, summed over classes; 0 when Var(f) < 1e-12."""
    grid = grid.to(torch.float64)
    residual = grid - additive_projection(grid)
    total = grid.var(dim=(0, 1), unbiased=False).sum()
    if float(total) < VARIANCE_FLOOR:
        return 0.0
    return float(residual.var(dim=(0, 1), unbiased=False).sum() / total)


def _group(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


class EMAP(Explainer):
    """Non-additive (cross-modal interaction) share of a model's logits over a batch of samples."""

    name = "EMAP interaction share"

    def __init__(
        self,
        model: nn.Module,
        modality_a: str | tuple[str, ...] = "image",
        modality_b: str | tuple[str, ...] = "audio",
        max_rows: int = MAX_ROWS,
        scale: str = "logit",
    ) -> None:
        super().__init__(model)
        if scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be one of {', '.join(SCALES)} (got {scale!r})")
        self.scale = scale
        group_b = _group(modality_b)
        group_a = _group(modality_a)
        unknown = [m for m in (*group_a, *group_b) if m not in self.modalities]
        if unknown:
            raise ValueError(
                f"{self.name}: unknown modality {', '.join(unknown)}; this model reads: {', '.join(self.modalities)}"
            )
        if not group_a or not group_b or set(group_a) & set(group_b):
            raise ValueError(f"{self.name}: the two groups must be non-empty and disjoint (got {group_a} and {group_b})")
        if max_rows < 1:
            raise ValueError(f"{self.name}: max_rows must be positive")
        self.modalities_b = tuple(sorted(group_b))
        self.modalities_a = tuple(m for m in self.modalities if m not in self.modalities_b)  # the rest ride with A
        self.max_rows = max_rows

    def grid_logits(self, inputs: Mapping[str, Tensor]) -> Tensor:
        """Logits ``[N, N, C]`` (float64): group A from sample i (axis 0), group B from sample j (axis 1)."""
        n = self.check_inputs(inputs)
        present = {m: torch.ones(n * n, dtype=torch.bool) for m in self.modalities}
        flat = torch.arange(n * n)
        index_i, index_j = flat // n, flat % n
        chunks = []
        for start in range(0, n * n, self.max_rows):
            stop = min(start + self.max_rows, n * n)
            batch = {
                m: inputs[m].index_select(0, (index_i if m in self.modalities_a else index_j)[start:stop])
                for m in self.modalities
            }
            logits, _ = self.forward_logits(batch, {m: p[start:stop] for m, p in present.items()})
            chunks.append(logits)
        logits = torch.cat(chunks)
        return logits.reshape(n, n, logits.shape[-1])

    def attribute(self, inputs: Mapping[str, Tensor], labels: Tensor | None = None) -> EmapResult:
        self.check_eval_mode()
        n = self.check_inputs(inputs)
        if n < 2:
            raise ValueError(f"{self.name}: needs at least 2 samples (got {n})")
        grid = self.grid_logits(inputs)
        accuracy = emap_accuracy = None
        if labels is not None:
            labels = torch.as_tensor(labels).reshape(-1)
            if labels.numel() != n:
                raise ValueError(f"{self.name}: {labels.numel()} labels for {n} samples")
            diagonal = torch.arange(n)
            original = grid[diagonal, diagonal].argmax(-1)
            projected = additive_projection(on_scale(grid, self.scale))[diagonal, diagonal].argmax(-1)
            accuracy = float((original == labels).to(torch.float64).mean())
            emap_accuracy = float((projected == labels).to(torch.float64).mean())
        return EmapResult(
            nonadditive_share=nonadditive_share(on_scale(grid, self.scale)),
            emap_accuracy=emap_accuracy,
            accuracy=accuracy,
            n=n,
            modalities_a=self.modalities_a,
            modalities_b=self.modalities_b,
            scale=self.scale,
        )


def task_interactions(models: Mapping[str, nn.Module], task: str, n: int = 64, seed: int = 0,
                      scale: str = "probability") -> dict[str, dict]:
    """EMAP of image against audio (text rides with the image) on the first ``n`` test samples of
    ``task`` at its standard corruption, on ``scale``, for every fusion model (unimodal baselines
    are skipped: one modality has no cross-modal interaction)."""
    from fusion.tasks import get_task

    results = {}
    for name, model in models.items():
        if not {"image", "audio"} <= set(model.modalities):
            continue  # e.g. motion (video + text): no image-audio interaction to measure
        data = get_task(task).split(model, "test", None, seed)
        count = min(n, len(data))
        inputs = {m: x[:count] for m, x in data.inputs.items()}
        result = EMAP(model, "image", "audio", scale=scale).attribute({m: inputs[m] for m in model.modalities}, data.labels[:count])
        fields = result.to_dict()
        results[name] = {"emap_nonadditive_share": fields.pop("nonadditive_share"), **fields}
    return results
