"""Record the shipped models' deletion tests beside their checkpoints (``faithfulness.json``), so
Explore, Learn and Compare show every shipped attention map's figures on a fresh checkout.

Each record holds the model's fingerprint and the test's settings, so it is used for those weights
and settings only; ``tests/explain/test_faithfulness_shipped.py`` checks every record against a fresh
measurement (run this again when the weights, the data or the test change).

Usage: python -m tools.record_faithfulness [--task digits match motion]
"""

from __future__ import annotations

import argparse
import json

from fusion.atomic import write_text_atomic
from fusion.evaluation.result_cache import fingerprint
from fusion.explain.faithfulness import RECORD, deletion_settings, measured_figures
from fusion.models.checkpoints import checkpoint_dir, load_checkpoint, shipped_root
from fusion.models.presets import model_names

RECORDED_TASKS = ("digits", "match", "motion")


def record(task: str, name: str) -> dict:
    """Measure one shipped model and write its record; returns the record."""
    folder = checkpoint_dir(shipped_root(), task, name)
    model = load_checkpoint(folder)
    settings = deletion_settings(task)
    entry = {"fingerprint": fingerprint(model), "settings": settings, "figures": measured_figures(model, settings)}
    write_text_atomic(folder / RECORD, json.dumps(entry, indent=1) + "\n")  # a reader never sees half a record
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", nargs="+", default=list(RECORDED_TASKS), choices=RECORDED_TASKS)
    args = parser.parse_args()
    for task in args.task:
        for name in model_names(task):
            entry = record(task, name)
            maps = ", ".join(entry["figures"]) or "no attention map"
            print(f"{task}/{name}: {maps} -> {checkpoint_dir(shipped_root(), task, name) / RECORD}", flush=True)


if __name__ == "__main__":
    main()
