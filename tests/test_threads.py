"""The app runs numpy's BLAS on one thread (fusion/threads.py): two threads spin on a shared 2-core
server (the PCA of the image corruption took 2.4 s instead of 0.02 s), and the basis is the same."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from fusion.data import avdigits
from fusion.data.corruption import PCABasis
from fusion.threads import APP_THREADS, use_app_threads


def test_the_app_uses_one_blas_thread() -> None:
    use_app_threads()
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and set(blas) == {APP_THREADS}


def test_one_blas_thread_gives_bitwise_the_same_pca_basis() -> None:
    root = avdigits._root(None)
    samples = avdigits._table(root, "samples.csv")
    images = avdigits._images(root)[samples["index"][samples["split"] == "train"]] / avdigits.PIXEL_MAX
    with threadpool_limits(limits=2, user_api="blas"):
        two = PCABasis.fit(images)
    with threadpool_limits(limits=1, user_api="blas"):
        one = PCABasis.fit(images)
    for field in ("mean", "components", "energy"):
        assert np.array_equal(getattr(one, field), getattr(two, field)), field
