"""What a model costs per sample: parameters, FLOPs (counted by torch's own ``FlopCounterMode``),
latency (median and interquartile range of single-sample forward passes after a warm-up, on a
fixed thread count) and peak memory of one forward pass (the most bytes held at once by the
tensors it allocates, tracked by a dispatch mode).

Nothing here changes the model: it runs in inference mode as it is (a model in training mode is
refused, as the explainers do).
"""

from __future__ import annotations

import statistics
import time
import weakref
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import Tensor
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.flop_counter import FlopCounterMode, register_flop_formula

from fusion.errors import ConfigError

WARMUP = 3


@register_flop_formula(torch.ops.aten._native_multi_head_attention)
def _multi_head_attention_flops(query_shape, key_shape, value_shape, embed_dim, num_heads, *args, out_shape=None, **kwargs) -> int:
    """``nn.MultiheadAttention``'s fused kernel, which torch's counter has no formula for: the query,
    key and value projections, the attention scores and their weighted sum, the output projection
    (a multiply-add counts 2)."""
    batch, queries, width = query_shape
    keys = key_shape[1]
    projections = 2 * batch * width * width * (queries + 2 * keys + queries)
    attention = 2 * 2 * batch * queries * keys * width
    return projections + attention


@dataclass(frozen=True)
class Cost:
    parameters: int
    flops: int  # per sample, one forward pass (a multiply-add counts 2)
    latency_ms: float  # median wall time of one single-sample forward pass
    latency_iqr_ms: float
    peak_memory_mb: float  # the most memory allocated at once during one forward pass
    threads: int

    def to_dict(self) -> dict:
        return asdict(self)


def one_row(inputs: Mapping[str, Tensor], present: Mapping[str, Tensor] | None = None, row: int = 0):
    """Row ``row`` of a split's inputs (and mask) as a batch of one."""
    batch = {m: x[row : row + 1] for m, x in inputs.items()}
    mask = None if present is None else {m: v[row : row + 1] for m, v in present.items()}
    return batch, mask


@torch.inference_mode()
def flops(model: torch.nn.Module, inputs: Mapping[str, Tensor], present: Mapping[str, Tensor] | None = None) -> int:
    """FLOPs of one forward pass on ``inputs`` (a batch of one for a per-sample figure)."""
    counter = FlopCounterMode(display=False)
    with counter:
        model(dict(inputs), None if present is None else dict(present))
    return int(counter.get_total_flops())


class _LiveBytes(TorchDispatchMode):
    """Counts the bytes of the tensors an operation creates while they are alive (storages the
    forward pass did not allocate — weights, inputs — and views of them are not counted)."""

    def __init__(self, existing: set[int]) -> None:
        super().__init__()
        self.existing, self.live, self.total, self.peak = existing, {}, 0, 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in tree_flatten(out)[0]:
            if isinstance(tensor, Tensor):
                self._track(tensor)
        return out

    def _track(self, tensor: Tensor) -> None:
        storage = tensor.untyped_storage()
        pointer = storage.data_ptr()
        if pointer == 0 or pointer in self.existing:
            return
        if pointer in self.live:
            self.live[pointer][1] += 1
        else:
            self.live[pointer] = [storage.nbytes(), 1]
            self.total += storage.nbytes()
            self.peak = max(self.peak, self.total)
        weakref.finalize(tensor, self._release, pointer)

    def _release(self, pointer: int) -> None:
        entry = self.live.get(pointer)
        if entry is not None:
            entry[1] -= 1
            if entry[1] == 0:
                self.total -= entry[0]
                del self.live[pointer]


@torch.inference_mode()
def peak_memory_bytes(model: torch.nn.Module, inputs: Mapping[str, Tensor], present: Mapping[str, Tensor] | None = None) -> int:
    """The most memory held at once by the tensors one forward pass allocates (weights and inputs,
    which exist already, are not counted)."""
    tensors = [*model.parameters(), *model.buffers(), *inputs.values(), *(present or {}).values()]
    counter = _LiveBytes({t.untyped_storage().data_ptr() for t in tensors})
    with counter:
        output = model(dict(inputs), None if present is None else dict(present))
    del output
    return int(counter.peak)


@torch.inference_mode()
def latency(model: torch.nn.Module, inputs: Mapping[str, Tensor], present: Mapping[str, Tensor] | None = None,
            runs: int = 30) -> tuple[float, float]:
    """(median, interquartile range) in milliseconds of ``runs`` forward passes after a warm-up."""
    if runs < 2:
        raise ConfigError("latency needs at least 2 timed runs")
    inputs, mask = dict(inputs), None if present is None else dict(present)
    for _ in range(WARMUP):
        model(inputs, mask)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model(inputs, mask)
        times.append((time.perf_counter() - start) * 1000.0)
    q1, _, q3 = statistics.quantiles(times, n=4)
    return statistics.median(times), q3 - q1


def cost(model: torch.nn.Module, inputs: Mapping[str, Tensor], present: Mapping[str, Tensor] | None = None,
         runs: int = 30, threads: int = 1) -> Cost:
    """Every figure for one sample (``inputs`` a batch of one), timed on ``threads`` torch threads
    (restored afterwards: torch's thread setting is process-wide)."""
    if model.training:
        raise ConfigError("the model is in training mode; measure its cost in eval mode")
    if next(iter(inputs.values())).shape[0] != 1:
        raise ConfigError("cost is per sample: pass a batch of one")
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        median, iqr = latency(model, inputs, present, runs)
        return Cost(
            parameters=sum(p.numel() for p in model.parameters()),
            flops=flops(model, inputs, present),
            latency_ms=round(median, 4),
            latency_iqr_ms=round(iqr, 4),
            peak_memory_mb=round(peak_memory_bytes(model, inputs, present) / 2**20, 4),
            threads=threads,
        )
    finally:
        torch.set_num_threads(previous)


def cached_cost(model: torch.nn.Module, inputs: Mapping[str, Tensor], present: Mapping[str, Tensor] | None = None,
                runs: int = 30, threads: int = 1, cache_dir: Path | None = None) -> Cost:
    """``cost`` measured once per model (config + weights), machine and settings, then read from
    disk (:mod:`fusion.evaluation.result_cache`): a server restart or a first visit of the Compare
    page does not time every model again."""
    from fusion.evaluation.result_cache import cached_result

    value = cached_result("cost", {"model": model}, {"runs": runs, "threads": threads},
                          lambda: cost(model, inputs, present, runs, threads).to_dict(), per_machine=True,
                          cache_dir=cache_dir)
    return Cost(**value)
