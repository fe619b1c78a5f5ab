"""Print the README's faithfulness table: `python -m fusion faithfulness --task T --json` for digits
and match (the shipped models, every test row, k = 4), as Markdown.

Usage: python tools/faithfulness_table.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    print("| task | model | map | top-4 removed: drop | 4 random removed: drop | difference, 95 % CI | beats random | attention on padding |")
    print("|---|---|---|---:|---:|---|---|---:|")
    for task in ("digits", "match"):
        command = [sys.executable, "-m", "fusion", "faithfulness", "--task", task, "--json"]
        result = json.loads(subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
        for name, per_modality in result["strategies"].items():
            for m, f in per_modality.items():
                low, high = f["difference_ci"]
                print(f"| {task} | {name} | {m} | {f['attention_drop']:.3f} | {f['random_drop']:.3f} | "
                      f"[{low:+.3f}, {high:+.3f}] | {'yes' if low > 0 else 'no'} | {f['padding_share']:.3f} |")


if __name__ == "__main__":
    main()
