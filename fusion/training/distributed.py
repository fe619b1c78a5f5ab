"""Training on several processes with ``torch.distributed``, as launched by ``torchrun``.

``torchrun --standalone --nproc-per-node N -m fusion train ...`` starts N copies of the command
with ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK`` / ``MASTER_ADDR`` in their environment;
:func:`process_group` joins them (gloo on CPU, nccl on CUDA) and yields a :class:`Run`. Without
those variables the run is one process and nothing here touches ``torch.distributed``, so a plain
``python -m fusion train`` trains exactly as before (the same weights for the same seed).

What the training loop asks of a run, and only this module answers:

* :meth:`Run.order` — this rank's rows of an epoch: a ``DistributedSampler`` shard (seeded by
  the training seed and the epoch, so every rank draws the same permutation and takes its part);
  one process keeps its own seeded permutation.
* :meth:`Run.batch_size` — each rank takes its share of the batch, so the global batch, the steps
  per epoch and the learning-rate schedule are those of one process.
* :meth:`Run.wrap` — ``DistributedDataParallel`` over the model (gradients averaged in backward);
  :meth:`Run.average_gradients` for trainable parts outside it (the ``match`` probes).
* :meth:`Run.seed` — a seed per rank for modality dropout and dropout, so ranks do not draw the
  same masks for different rows.
* :meth:`Run.total` — a sum over ranks (the epoch's loss and accuracy).

Every rank scores the whole validation split with the same (synchronised) weights, so every rank
keeps the same best epoch; at the end the ranks check they hold the same weights
(:meth:`Run.check_same_weights`), and rank 0 alone writes checkpoints and metrics (:attr:`Run.is_main`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from fusion.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")
LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class Run:
    """Where this process trains: its rank among ``world_size`` processes, the backend joining
    them (None for one process) and its device."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None
    device: torch.device = torch.device("cpu")

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes checkpoints, metrics and progress."""
        return self.rank == 0

    def seed(self, seed: int) -> int:
        """This rank's seed for random draws that must differ between ranks (rank 0: ``seed``)."""
        return seed + self.rank

    def batch_size(self, batch_size: int) -> int:
        """Rows per rank and step, so ``world_size`` ranks together take ``batch_size``."""
        return max(1, -(-batch_size // self.world_size))

    def shard_size(self, rows: int) -> int:
        """Rows per rank and epoch (the sampler pads the last ranks with repeated rows)."""
        return rows if not self.distributed else -(-rows // self.world_size)

    def order(self, rows: int, epoch: int, seed: int, generator: torch.Generator) -> Tensor:
        """This rank's rows of epoch ``epoch``, in training order."""
        if not self.distributed:
            return torch.randperm(rows, generator=generator)
        from torch.utils.data import DistributedSampler

        sampler = DistributedSampler(range(rows), num_replicas=self.world_size, rank=self.rank, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
        return torch.tensor(list(sampler), dtype=torch.long)

    def wrap(self, model: nn.Module) -> nn.Module:
        """The module to train: the model itself, or a ``DistributedDataParallel`` replica of it."""
        if not self.distributed:
            return model
        return _Replica(model, device_ids=[self.device.index] if self.device.type == "cuda" else None,
                        find_unused_parameters=True)  # a modality's branch may sit out a whole batch

    def average_gradients(self, module: nn.Module) -> None:
        """Average ``module``'s gradients over the ranks (for parts outside :meth:`wrap`)."""
        if not self.distributed:
            return
        for parameter in module.parameters():
            if parameter.grad is not None:
                torch.distributed.all_reduce(parameter.grad)
                parameter.grad /= self.world_size

    def total(self, *values: float) -> tuple[float, ...]:
        """Each value summed over the ranks."""
        if not self.distributed:
            return values
        sums = torch.tensor(values, dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(sums)
        return tuple(float(v) for v in sums.cpu())

    def check_same_weights(self, model: nn.Module) -> None:
        """Raise unless every rank holds the same weights (what DistributedDataParallel promises;
        a fingerprint of the parameters is compared across ranks at the end of training)."""
        if not self.distributed:
            return
        with torch.no_grad():
            values = [p.detach().double().flatten() for p in model.parameters()]
            flat = torch.cat(values) if values else torch.zeros(1, dtype=torch.float64, device=self.device)
            weights = torch.arange(1, flat.numel() + 1, dtype=torch.float64, device=flat.device)
            fingerprint = torch.stack([flat.sum(), (flat * weights).sum()])
            spread = torch.cat([fingerprint, -fingerprint])
            torch.distributed.all_reduce(spread, op=torch.distributed.ReduceOp.MAX)
        if not torch.equal(spread[:2], -spread[2:]):
            raise RuntimeError(f"rank {self.rank}: the ranks' weights differ after training (DistributedDataParallel "
                               "should keep them equal)")

    def barrier(self) -> None:
        if self.distributed:
            torch.distributed.barrier(**({"device_ids": [self.device.index]} if self.device.type == "cuda" else {}))

    def record(self, epochs: int, seed: int) -> dict[str, int | str | None]:
        """How a training run of ``epochs`` epochs from ``seed`` went on this run, for a checkpoint's
        metrics (``fusion.training.record``)."""
        return {"world_size": self.world_size, "backend": self.backend, "epochs": epochs, "seed": seed}


class _Replica(nn.parallel.DistributedDataParallel):
    """``DistributedDataParallel`` that still answers ``modalities`` as the model does."""

    @property
    def modalities(self) -> list[str]:
        return self.module.modalities


SINGLE = Run()


def launched(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process was started by torchrun (or another launcher setting its variables)."""
    environ = os.environ if environ is None else environ
    return all(name in environ for name in LAUNCH_VARIABLES)


def resolve_device(choice: str, local_rank: int = 0) -> torch.device:
    """``--device``: ``auto`` is CUDA when present, else the CPU; ``cuda`` without CUDA is an error."""
    if choice not in DEVICES:
        raise ConfigError(f"--device takes one of {', '.join(DEVICES)}, got {choice!r}")
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ConfigError("--device cuda: this machine's PyTorch sees no CUDA device; use --device cpu (or auto)")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


@contextlib.contextmanager
def process_group(device: str = "auto", environ: Mapping[str, str] | None = None) -> Iterator[Run]:
    """The :class:`Run` of this process: one process, or this rank of a torchrun launch (the process
    group is joined here and left when the block ends)."""
    environ = os.environ if environ is None else environ
    if not launched(environ):
        yield Run(device=resolve_device(device))
        return
    try:
        rank, world_size, local_rank = (int(environ[name]) for name in LAUNCH_VARIABLES)
    except ValueError:
        raise ConfigError(f"{', '.join(LAUNCH_VARIABLES)} must be integers (they are set by torchrun)") from None
    where = resolve_device(device, local_rank)
    backend = "nccl" if where.type == "cuda" else "gloo"
    if where.type == "cuda":
        torch.cuda.set_device(where)
    torch.distributed.init_process_group(backend, rank=rank, world_size=world_size)
    try:
        yield Run(rank, world_size, local_rank, backend, where)
    finally:
        torch.distributed.destroy_process_group()


def to_device(tensors: Mapping[str, Tensor], device: torch.device) -> dict[str, Tensor]:
    return {name: value.to(device) for name, value in tensors.items()}


@dataclass(frozen=True)
class DeviceSplit:
    """A split (inputs, labels, present) moved to a device, for scoring there."""

    inputs: dict[str, Tensor]
    labels: Tensor
    present: dict[str, Tensor] | None

    def __len__(self) -> int:
        return len(self.labels)


def split_on(split, device: torch.device):
    """``split`` itself on the CPU; a copy of its tensors on another device."""
    if device.type == "cpu":
        return split
    present = getattr(split, "present", None)
    return DeviceSplit(to_device(split.inputs, device), split.labels.to(device),
                       None if present is None else to_device(present, device))
