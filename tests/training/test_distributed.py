"""Training on several processes: the rows each rank trains on, the seeds and batch shares, and the
single-process path left as it was. Two real processes: tests/training/test_torchrun.py."""

from __future__ import annotations


import pytest
import torch

from fusion.errors import ConfigError
from fusion.training.distributed import SINGLE, Run, launched, process_group, resolve_device


def test_the_ranks_of_an_epoch_train_on_disjoint_shards_that_cover_every_row() -> None:
    generator = torch.Generator()
    for rows, world in ((10, 2), (11, 2), (100, 3)):
        shards = [Run(rank, world).order(rows, epoch=4, seed=7, generator=generator).tolist() for rank in range(world)]
        assert {len(s) for s in shards} == {Run(0, world).shard_size(rows)}  # every rank takes as many steps
        assert set().union(*shards) == set(range(rows))
        if rows % world == 0:
            assert sum(map(len, shards)) == rows and len(set().union(*shards)) == rows  # no row twice
    first = Run(0, 2).order(50, epoch=0, seed=7, generator=generator).tolist()
    assert first != Run(0, 2).order(50, epoch=1, seed=7, generator=generator).tolist()  # a new shuffle each epoch


def test_ranks_share_one_global_batch_and_draw_their_own_seeds() -> None:
    assert [Run(0, w).batch_size(64) for w in (1, 2, 3)] == [64, 32, 22]
    assert Run(1, 2).seed(5) != Run(0, 2).seed(5) == SINGLE.seed(5) == 5


def test_one_process_is_not_distributed_and_touches_no_process_group() -> None:
    assert not launched({}) and launched({"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})
    with process_group("cpu", environ={}) as run:
        assert run == Run() and not torch.distributed.is_initialized()
    generator_a, generator_b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(SINGLE.order(20, 0, 3, generator_a), torch.randperm(20, generator=generator_b))


def test_devices() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ConfigError, match="--device takes"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        assert resolve_device("auto") == torch.device("cpu")
        with pytest.raises(ConfigError, match="no CUDA"):
            resolve_device("cuda")
