"""Deterministic training with modality dropout.

Each epoch draws fresh corruption (the task's standard level, seed from the epoch) so models learn
the corrupted task rather than one noise pattern; ``match`` pairs are re-drawn every epoch from the
training images and training speakers, half of them matching. The checkpoint kept is the epoch
with the best validation accuracy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from fusion.config import ModelConfig
from fusion.datasets import TensorSplit, tensor_split
from fusion.evaluate import score
from fusion.strategies import FusionModel, build_model


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 3e-3
    weight_decay: float = 1e-2
    modality_dropout: float = 0.3  # each modality of each sample is absent with this probability
    auxiliary_weight: float = 0.5  # weight of the per-modality heads' own losses (late, hybrid)
    corruption_refresh: int = 5  # epochs between fresh corruption draws
    seed: int = 0


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    train_accuracy: float
    val_accuracy: float


@dataclass
class TrainResult:
    model: FusionModel
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    stopped: bool = False


def epoch_data(config: ModelConfig, epoch: int, settings: TrainSettings) -> tuple[dict[str, Tensor], Tensor]:
    """The training inputs and labels of one epoch."""
    draw = settings.seed * 1000 + epoch // settings.corruption_refresh
    if config.task == "match":
        return match_pairs(tensor_split("digits", "train", {}, 0, config.vocabulary or None), draw)
    data = tensor_split(config.task, "train", None, draw, config.vocabulary or None)
    return data.inputs, data.labels


def match_pairs(digits: TensorSplit, seed: int) -> tuple[dict[str, Tensor], Tensor]:
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
    return inputs, torch.from_numpy(labels)


def drop_modalities(modalities: list[str], batch: int, probability: float, generator: torch.Generator) -> dict[str, Tensor]:
    return {m: torch.rand(batch, generator=generator) >= probability for m in modalities}


def loss_of(model: FusionModel, inputs: dict[str, Tensor], labels: Tensor, present: dict[str, Tensor], aux: float):
    output = model(inputs, present)
    loss = torch.nn.functional.cross_entropy(output.logits, labels)
    if output.modality_logits and aux > 0:
        for m, logits in output.modality_logits.items():
            keep = present[m]
            if keep.any():
                loss = loss + aux * torch.nn.functional.cross_entropy(logits[keep], labels[keep]) / len(model.modalities)
    return loss, output.logits


def train_model(
    config: ModelConfig,
    settings: TrainSettings = TrainSettings(),
    on_epoch: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train ``config`` from scratch; the same seed gives the same weights."""
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    model = build_model(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    inputs, _ = epoch_data(config, 0, settings)
    steps_per_epoch = -(-len(next(iter(inputs.values()))) // settings.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, settings.learning_rate, total_steps=settings.epochs * steps_per_epoch, pct_start=0.15
    )
    val = tensor_split(config.task, "val", None, 0, config.vocabulary or None)
    result = TrainResult(model)
    best_accuracy, best_state = -1.0, None
    bar = tqdm(range(settings.epochs), desc=f"{config.task}/{config.name}", disable=not progress, leave=False)
    for epoch in bar:
        inputs, labels = epoch_data(config, epoch, settings)
        model.train()
        order = torch.randperm(len(labels), generator=generator)
        total_loss, correct = 0.0, 0
        for start in range(0, len(order), settings.batch_size):
            rows = order[start : start + settings.batch_size]
            batch = {m: inputs[m][rows] for m in model.modalities}
            present = drop_modalities(model.modalities, len(rows), settings.modality_dropout, generator)
            loss, logits = loss_of(model, batch, labels[rows], present, settings.auxiliary_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(rows)
            correct += (logits.argmax(-1) == labels[rows]).sum().item()
        val_accuracy = score(model, val)["accuracy"]
        record = EpochRecord(epoch + 1, total_loss / len(labels), correct / len(labels), val_accuracy)
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
    model.eval()
    return result
