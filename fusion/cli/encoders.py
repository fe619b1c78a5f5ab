"""``encoders``: the frozen encoders heads can read a dataset folder through, and whether each runs
on this machine."""

from __future__ import annotations

import argparse
import json



def add_parser(commands) -> argparse.ArgumentParser:
    command = commands.add_parser("encoders", help="list the encoders (built-in, packaged, pretrained by name)")
    from fusion.modalities import list_modalities

    command.add_argument("--modality", choices=list_modalities())
    command.add_argument("--json", action="store_true", help="print one JSON object")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.encoders import list_encoders

    rows = [info.to_dict() for info in list_encoders(args.modality)]
    if args.json:
        print(json.dumps({"encoders": rows}))
        return 0
    print(f"{'name':<42} {'modality':<8} {'dim':>5} {'tokens':>6}  {'offline':<7} source")
    for row in rows:
        print(f"{row['name']:<42} {row['modality']:<8} {row['dim'] or '?':>5} {'yes' if row['tokens'] else 'no':>6}  "
              f"{'yes' if row['offline'] else 'no':<7} {row['source']}")
        if row["reason"]:
            print(f"{'':<42} {row['reason']}")
    return 0
