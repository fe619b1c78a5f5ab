"""The app's thread counts: one torch intra-op thread in every thread that runs models for a page,
and one BLAS thread for numpy.

The models are tiny, so splitting one forward pass over cores buys nothing, and on a server where
several sessions (and the browser) share two cores the intra-op threads spin and wait for each
other: a new Explore sample took 7.9 s instead of 1.9 s on the loaded 2-core machine
(``benchmarks.interaction``). OpenMP keeps the count per thread, and Streamlit runs each rerun of
the script in a new thread, so the app calls this at the top of every run. numpy's OpenBLAS spins
the same way: the image corruption's PCA of the train images (a 1,077 × 64 SVD) took 2.4 s with
two BLAS threads on the loaded machine and 0.02 s with one, with bitwise the same basis. Training
and encoding set their own fixed count (``fixed_threads``: :mod:`fusion.training.loop`,
:mod:`fusion.embeddings.extract`).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator

import torch

APP_THREADS = 1
_lock = threading.Lock()
_state = {"users": 0, "saved": 0}


def use_app_threads() -> None:
    if torch.get_num_threads() != APP_THREADS:
        torch.set_num_threads(APP_THREADS)
    _one_blas_thread()


@functools.cache
def _one_blas_thread() -> None:
    """Process-wide (OpenBLAS keeps one count), so once is enough."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=APP_THREADS, user_api="blas")


@contextlib.contextmanager
def fixed_threads(count: int) -> Iterator[None]:
    """Run the block with ``count`` PyTorch intra-op threads (process-wide), restoring the previous
    count when the last of the blocks running at once (in any thread) ends."""
    with _lock:
        if _state["users"] == 0:
            _state["saved"] = torch.get_num_threads()
        _state["users"] += 1
        torch.set_num_threads(count)  # also in this thread: OpenMP keeps a count per thread
    try:
        yield
    finally:
        with _lock:
            _state["users"] -= 1
            if _state["users"] == 0:
                torch.set_num_threads(_state["saved"])
