"""The app's torch thread count: one intra-op thread in every thread that runs models for a page.

The models are tiny, so splitting one forward pass over cores buys nothing, and on a server where
several sessions (and the browser) share two cores the intra-op threads spin and wait for each
other: a new Explore sample took 7.9 s instead of 1.9 s on the loaded 2-core machine
(``benchmarks.interaction``). OpenMP keeps the count per thread, and Streamlit runs each rerun of
the script in a new thread, so the app calls this at the top of every run. Training jobs set their
own fixed count (:mod:`fusion.training.loop`).
"""

from __future__ import annotations

import torch

APP_THREADS = 1


def use_app_threads() -> None:
    if torch.get_num_threads() != APP_THREADS:
        torch.set_num_threads(APP_THREADS)
