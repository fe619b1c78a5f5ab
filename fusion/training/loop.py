"""Deterministic training with modality dropout.

Every ``corruption_refresh`` epochs (default 5) training draws fresh corruption (seeded) so models
learn the corrupted task rather than one noise pattern, and ``match`` pairs are re-drawn from the
training images and training speakers, half of them matching. The checkpoint kept is the epoch
with the best validation accuracy.

On ``match``, a binary label alone is too weak a signal to learn digit identity from in a few
epochs, so training adds an auxiliary loss: a linear probe on each modality's own embedding
predicts the digit of that side (known at training time). The probes are dropped after training;
the model's input and output stay the binary match task, and late fusion still cannot see the
interaction (each of its networks sees one side only).

Reproducibility: the same config, settings and data give the same weights, whatever the machine's
core count or the process's ``torch.set_num_threads``: training runs with a fixed intra-op thread
count (:data:`TRAINING_THREADS`, 1), since a different count splits float reductions differently.
PyTorch's thread setting is process-wide, so while any training runs (the app trains in background
threads) other PyTorch work in the process also runs on that many threads; the setting the process
had is restored when the last training ends (:func:`training_threads`).
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from fusion.models.config import ModelConfig
from fusion.tasks.splits import TensorSplit, tensor_split
from fusion.evaluation.accuracy import score
from fusion.models.strategies import FusionModel, build_model
from fusion.threads import fixed_threads
from fusion.training.distributed import SINGLE, Run, split_on, to_device


TRAINING_THREADS = 1  # intra-op threads while training: the same weights on every machine


def training_threads(count: int = TRAINING_THREADS) -> contextlib.AbstractContextManager[None]:
    """Run the block with ``count`` PyTorch intra-op threads (``fusion.threads.fixed_threads``)."""
    return fixed_threads(count)


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 3e-3
    weight_decay: float = 1e-2
    modality_dropout: float = 0.3  # each modality of each sample is absent with this probability
    auxiliary_weight: float = 0.5  # weight of the per-modality heads' own losses (late, hybrid)
    digit_probe_weight: float = 1.0  # match only: weight of the per-modality digit probes' loss
    corruption_refresh: int = 5  # epochs between fresh corruption draws
    # Each training sample sees the task's standard corruption scaled by one of these factors, so
    # models work on clean and on corrupted inputs alike (a model trained only at the standard
    # level fails on clean uploads).
    corruption_mix: tuple[tuple[float, float], ...] = ((1.0, 0.6), (0.5, 0.2), (0.0, 0.2))  # (factor, share)
    seed: int = 0


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    train_accuracy: float
    val_accuracy: float
    seconds: float = field(default=0.0, compare=False)  # wall time of the epoch, validation included (not compared)


@dataclass
class TrainResult:
    model: FusionModel
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    stopped: bool = False
    training: dict[str, int | str | None] = field(default_factory=dict)  # how it was trained: Run.record

    def summary(self) -> dict[str, Any]:
        """What a checkpoint's metrics record of the run: best epoch, the run's record (key
        ``training``, read back by ``fusion.training.record``) and each epoch's seconds."""
        return {"best_epoch": self.best_epoch, "training": self.training,
                "epoch_seconds": [record.seconds for record in self.history]}


EpochData = tuple[dict[str, Tensor], Tensor, dict[str, Tensor]]  # inputs, labels, per-modality digits


class Split(Protocol):
    """What ``score`` reads: model inputs, labels and (optionally) which modalities each row has."""

    inputs: dict[str, Tensor]
    labels: Tensor

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class TrainingData:
    """What ``train_model`` reads: ``epoch(k)`` -> the (inputs, labels, sides) of epoch ``k``; the
    validation split scored after each epoch; ``available``: which modalities each training row
    has (None: all of them), so modality dropout never "restores" a modality a row lacks."""

    epoch: Callable[[int], EpochData]
    val: Split
    available: dict[str, Tensor] | None = None
    setup: Callable[[FusionModel], None] | None = None  # run once on the new model (e.g. input statistics)
    # Classes of the probes on the epochs' ``sides`` targets: one number for every side, or one per
    # side. A side is named by its modality, or "modality:what" for several probes on one modality.
    probe_classes: int | Mapping[str, int] = 10


def builtin_training_data(config: ModelConfig, settings: TrainSettings) -> TrainingData:
    """A built-in task (digits / match), with fresh corruption every ``corruption_refresh`` epochs;
    a task with its own ``training_data`` (motion) gives its own."""
    from fusion.tasks import get_task

    task = get_task(config.task)
    if hasattr(task, "training_data"):
        return TrainingData(**task.training_data(config, settings))
    val = tensor_split(config.task, "val", None, 0, config.vocabulary or None)
    return TrainingData(lambda epoch: epoch_data(config, epoch, settings), val)


def epoch_data(config: ModelConfig, epoch: int, settings: TrainSettings) -> EpochData:
    """The training inputs, labels and (match only) per-modality digit targets of one epoch."""
    draw = settings.seed * 1000 + epoch // settings.corruption_refresh
    if config.task == "match":
        return match_pairs(tensor_split("digits", "train", {}, 0, config.vocabulary or None), draw)
    return mixed_corruption(config, draw, settings.corruption_mix), tensor_split(config.task, "train", {}).labels, {}


def mixed_corruption(config: ModelConfig, draw: int, mix: tuple[tuple[float, float], ...]) -> dict[str, Tensor]:
    """Training inputs where each sample has the standard corruption scaled by a factor drawn from ``mix``."""
    from fusion.tasks import get_task

    standard = get_task(config.task).standard_corruption
    versions = [
        tensor_split(config.task, "train", {m: level * factor for m, level in standard.items()}, draw, config.vocabulary or None)
        for factor, _ in mix
    ]
    shares = np.array([share for _, share in mix])
    pick = torch.from_numpy(np.random.default_rng(draw).choice(len(mix), size=len(versions[0]), p=shares / shares.sum()))
    rows = torch.arange(len(pick))
    return {m: torch.stack([v.inputs[m] for v in versions])[pick, rows] for m in versions[0].inputs}


def match_pairs(digits: TensorSplit, seed: int) -> EpochData:
    """Pair every training image with a training clip: same digit for half of them, else another digit."""
    rng = np.random.default_rng(seed)
    image_digit = digits.raw.image_digit
    audio_digit = digits.raw.audio_digit
    total = len(image_digit)
    labels = np.zeros(total, dtype=np.int64)
    labels[rng.permutation(total)[: total // 2]] = 1
    by_digit = {d: np.flatnonzero(audio_digit == d) for d in range(10)}
    audio_index = np.empty(total, dtype=np.int64)
    for i in range(total):
        wanted = image_digit[i] if labels[i] else rng.choice([d for d in range(10) if d != image_digit[i]])
        audio_index[i] = rng.choice(by_digit[int(wanted)])
    inputs = {"image": digits.inputs["image"], "audio": digits.inputs["audio"][torch.from_numpy(audio_index)]}
    sides = {"image": torch.from_numpy(image_digit), "audio": torch.from_numpy(audio_digit[audio_index])}
    return inputs, torch.from_numpy(labels), sides


def drop_modalities(modalities: list[str], batch: int, probability: float, generator: torch.Generator) -> dict[str, Tensor]:
    return {m: torch.rand(batch, generator=generator) >= probability for m in modalities}


def masked_cross_entropy(logits: Tensor, labels: Tensor, keep: Tensor) -> Tensor:
    if not keep.any():
        return logits.sum() * 0.0
    return torch.nn.functional.cross_entropy(logits[keep], labels[keep])


def loss_of(
    model: FusionModel,
    batch: dict[str, Tensor],
    labels: Tensor,
    present: dict[str, Tensor],
    sides: dict[str, Tensor],
    probes: nn.ModuleDict,
    settings: TrainSettings,
) -> tuple[Tensor, Tensor]:
    output = model(batch, present)
    loss = torch.nn.functional.cross_entropy(output.logits, labels)
    share = 1.0 / len(model.modalities)
    for m, logits in (output.modality_logits or {}).items():
        loss = loss + settings.auxiliary_weight * share * masked_cross_entropy(logits, labels, present[m])
    for side, targets in sides.items():
        m = side.split(":")[0]
        if side in probes and m in output.embeddings:
            probe_logits = probes[side](output.embeddings[m])
            loss = loss + settings.digit_probe_weight * share * masked_cross_entropy(probe_logits, targets, present[m])
    return loss, output.logits


def train_model(
    config: ModelConfig,
    settings: TrainSettings = TrainSettings(),
    on_epoch: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: bool = True,
    data: TrainingData | None = None,
    run: Run = SINGLE,
) -> TrainResult:
    """Train ``config`` from scratch on ``data`` (default: its built-in task); the same seed gives
    the same weights, at any thread count of the process (module docstring). ``run``: this
    process's share of a torchrun launch (``fusion.training.distributed``); default one process."""
    with training_threads():
        return _train(config, settings, on_epoch, should_stop, progress, data, run)


def _train(
    config: ModelConfig,
    settings: TrainSettings,
    on_epoch: Callable[[EpochRecord], None] | None,
    should_stop: Callable[[], bool] | None,
    progress: bool,
    data: TrainingData | None,
    run: Run,
) -> TrainResult:
    data = data if data is not None else builtin_training_data(config, settings)
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(run.seed(settings.seed))
    model = build_model(config)
    if data.setup is not None:
        data.setup(model)
    inputs, _, sides = data.epoch(0)
    classes = data.probe_classes
    probes = nn.ModuleDict({side: nn.Linear(config.width, classes if isinstance(classes, int) else classes[side])
                            for side in sides if side.split(":")[0] in model.modalities})
    if run.distributed:  # the same model and probes on every rank (built above from one seed), then
        torch.manual_seed(run.seed(settings.seed))  # each rank its own dropout draws
    model.to(run.device)
    probes.to(run.device)
    trained, val = run.wrap(model), split_on(data.val, run.device)
    batch_size = run.batch_size(settings.batch_size)
    parameters = [*model.parameters(), *probes.parameters()]
    optimizer = torch.optim.AdamW(parameters, lr=settings.learning_rate, weight_decay=settings.weight_decay)
    steps_per_epoch = -(-run.shard_size(len(next(iter(inputs.values())))) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, settings.learning_rate, total_steps=settings.epochs * steps_per_epoch, pct_start=0.15
    )
    result = TrainResult(model, training=run.record(settings.epochs, settings.seed))
    best_accuracy, best_state = -1.0, None
    bar = tqdm(range(settings.epochs), desc=f"{config.task}/{config.name}", disable=not (progress and run.is_main), leave=False)
    for epoch in bar:
        started = time.perf_counter()
        inputs, labels, sides = data.epoch(epoch)
        model.train()
        order = run.order(len(labels), epoch, settings.seed, generator)
        total_loss, correct = 0.0, 0
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = to_device({m: inputs[m][rows] for m in model.modalities}, run.device)
            present = drop_modalities(model.modalities, len(rows), settings.modality_dropout, generator)
            if data.available is not None:
                present = {m: keep & data.available[m][rows] for m, keep in present.items()}
            batch_sides = to_device({m: digits[rows] for m, digits in sides.items()}, run.device)
            targets = labels[rows].to(run.device)
            loss, logits = loss_of(trained, batch, targets, to_device(present, run.device), batch_sides, probes, settings)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            run.average_gradients(probes)
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(rows)
            correct += (logits.argmax(-1) == targets).sum().item()
        total_loss, correct, seen = run.total(total_loss, correct, len(order))
        model.eval()  # this run's own model: scoring reads it, never switches it
        val_accuracy = score(model, val, getattr(val, "present", None))["accuracy"]
        record = EpochRecord(epoch + 1, total_loss / seen, correct / seen, val_accuracy,
                             round(time.perf_counter() - started, 3))
        result.history.append(record)
        bar.set_postfix(loss=f"{record.loss:.3f}", val=f"{val_accuracy:.3f}")
        if on_epoch is not None:
            on_epoch(record)
        if val_accuracy > best_accuracy:
            best_accuracy, best_state, result.best_epoch = val_accuracy, copy.deepcopy(model.state_dict()), epoch + 1
        if should_stop is not None and should_stop():
            result.stopped = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    run.check_same_weights(model)
    model.to("cpu").eval()
    return result
