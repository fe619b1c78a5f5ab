"""Print the README's results table: `python -m fusion evaluate --json` for every built-in task, as Markdown.

Usage: python tools/results_table.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fusion_json(*arguments: str) -> dict:
    command = [sys.executable, "-m", "fusion", *arguments, "--json"]
    return json.loads(subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout)


def main() -> None:
    print("| task | model | test accuracy | n | parameters | corruption |")
    print("|---|---|---:|---:|---:|---|")
    built_in = [t["name"] for t in fusion_json("tasks")["tasks"] if t["kind"] == "built-in"]
    for task in built_in:
        for row in fusion_json("evaluate", "--task", task)["results"]:
            corruption = ", ".join(f"{m} {v}" for m, v in row["corruption"].items() if v) or "none"
            print(f"| {task} | {row['strategy']} | {row['accuracy']:.3f} | {row['n']} | {row['parameters']:,} | {corruption} |")


if __name__ == "__main__":
    main()
