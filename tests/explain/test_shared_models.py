"""A model shared between sessions (the app's ``st.cache_resource``) is only read: many threads
explaining different samples on one model get bit-identical results to one thread alone."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from fusion.explain.analysis import explain_model
from fusion.models.checkpoints import load_models
from fusion.tasks import get_task


def test_concurrent_explanations_on_one_shared_model_equal_sequential_ones() -> None:
    models = load_models("digits", ["early", "late", "hybrid"])
    task = get_task("digits")
    samples = [task.sample(i) for i in range(12)]
    jobs = [(name, k) for name in models for k in range(len(samples))]

    def run(job: tuple[str, int]) -> str:
        name, k = job
        return json.dumps(explain_model(models[name], samples[k]).to_dict(maps=True), sort_keys=True)

    alone = [run(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(run, jobs * 2))
    assert together == alone * 2
    assert len(set(alone)) == len(jobs)  # every sample's analysis differs: the check can fail
