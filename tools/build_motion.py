"""Build assets/motion/clips.csv, the table of the built-in ``motion`` task (video + text).

Each row names an AV-Digits image (same train / val / test split as assets/avdigits/samples.csv),
the direction and offset of its clip, and its caption (digit, direction, phrasing) and label. The
clips themselves are rendered at load time from the images and the row (fusion/data/motion.py),
so only this small table is committed. Deterministic: running it again writes the same file.

    python tools/build_motion.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fusion.data.motion import build_table, motion_root, write_table  # noqa: E402


def main() -> None:
    rows = build_table()
    path = motion_root() / "clips.csv"
    write_table(path, rows)
    print(f"wrote {path} ({len(rows)} rows, {path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
