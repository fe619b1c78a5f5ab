"""Rebuild the reliance demonstration's checkpoints (``assets/checkpoints/digits-noisy-en-gb-scotland/``): three small
digits models trained with one accent's audio at corruption level 1.0 (see fusion/training/demos.py).

    python tools/build_reliance_demo.py [--out DIR] [--seed N]

then ``python -m fusion reliance --demo`` analyses them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fusion.training.demos import train_demo  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="checkpoint root (default: assets/checkpoints)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = train_demo(args.out, args.seed)
    for row in rows:
        print(f"{row['strategy']:>7}  test accuracy {row['accuracy']:.3f}  ({row['train_seconds']} s, "
              f"{row['train_cpu_seconds']} s of CPU)")
    print(f"training: {sum(r['train_seconds'] for r in rows):.1f} s in all, "
          f"{sum(r['train_cpu_seconds'] for r in rows):.1f} s of CPU (loading the data included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
