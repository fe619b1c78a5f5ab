"""``encode``: fill the embedding cache for a dataset folder ahead of training.

Under ``torchrun --nproc-per-node N -m fusion encode --data DIR`` each of the N processes encodes
its shard of the manifest (every N-th row) into the one shared cache; rank 0 prints the totals.
Encoding keeps no embedding in memory (each is written to the cache as its batch is done), so a
folder of any size encodes in the memory of one batch.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from fusion.cli.common import add_encoder_options, chosen_encoders

COUNTS = ("rows", "cached", "encoded", "failed")


def add_parser(commands) -> argparse.ArgumentParser:
    command = commands.add_parser("encode", help="encode a dataset folder into the embedding cache (ahead of training)")
    command.add_argument("--data", type=Path, metavar="DIR", required=True, help="a dataset folder with manifest.csv")
    add_encoder_options(command)
    command.add_argument("--json", action="store_true", help="print one JSON object")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.embeddings.cache import EmbeddingCache
    from fusion.embeddings.extract import encode_shard
    from fusion.training.distributed import process_group
    from fusion.userdata.manifest import load_manifest

    with process_group("cpu") as where:  # the encoders run on the CPU; gloo joins the ranks
        manifest = load_manifest(args.data)
        cache = EmbeddingCache()
        start = time.perf_counter()
        report = encode_shard(manifest, chosen_encoders(args), cache, where.rank, where.world_size, progress=where.is_main)
        where.barrier()
        seconds = time.perf_counter() - start
        totals = {m: dict(zip(COUNTS, map(int, where.total(*(counts[k] for k in COUNTS))))) for m, counts in report.items()}
    if not where.is_main:
        return 0
    summary = {"folder": str(manifest.folder), "cache": str(cache.root), "rows": len(manifest.rows),
               "world_size": where.world_size, "seconds": round(seconds, 3),
               "rows_per_second": round(len(manifest.rows) / seconds, 1) if seconds > 0 else None, "modalities": totals}
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"encoded {summary['rows']} rows of {summary['folder']} in {summary['seconds']} s "
          f"({summary['rows_per_second']} rows/s, {where.world_size} process(es)) into {summary['cache']}")
    for m, counts in totals.items():
        print(f"  {m:<6} {counts['encoded']:>8} encoded {counts['cached']:>8} already cached {counts['failed']:>6} unreadable")
    return 0
