"""Save the README's screenshots: the Explore page in side-by-side mode, in headless Chromium.

Usage: python -m tools.screenshot [--out docs/explore-side-by-side.png]
       python -m tools.screenshot --dataset TASK --out docs/your-data-explore.png
           (heads trained on a dataset folder: FUSION_USER_DIR must hold a run of TASK)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tools.app_server import ROOT, chromium_page, open_dataset_side_by_side, open_explore_side_by_side, running_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "explore-side-by-side.png")
    parser.add_argument("--dataset", metavar="TASK", help="a dataset task (your data) instead of the built-in digits")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with running_app() as (url, _), chromium_page(width=1500, height=2900) as page:
        if args.dataset:
            open_dataset_side_by_side(page, url, args.dataset)
        else:
            open_explore_side_by_side(page, url)
        page.mouse.move(750, 2)  # the empty top edge: Plotly shows its toolbar over a chart under the pointer, the sidebar its collapse button
        page.wait_for_timeout(500)  # the toolbar fades out
        page.screenshot(path=str(args.out))
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
