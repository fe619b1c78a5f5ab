"""``python -m fusion``: train, evaluate, explain and list models and tasks from the command line.

One module per command (``fusion/cli/<command>.py``), each with ``add_parser(commands)`` and
``run(args) -> int``; what they share is in ``fusion.cli.common``. Every failure a user can cause
(bad argument, unknown name, missing file) prints one line naming the fix on stderr and exits
with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fusion.cli import (cache, cost, encode, encoders, evaluate, explain, export, interactions, lab, models, pid,
                        reliance, robustness, tasks, train, train_all)
from fusion.cli.common import OneLineParser
from fusion.errors import FusionError

# command name -> its module, in the order `--help` lists them
COMMANDS = {
    "train": train,
    "train-all": train_all,
    "evaluate": evaluate,
    "explain": explain,
    "interactions": interactions,
    "robustness": robustness,
    "reliance": reliance,
    "pid": pid,
    "lab": lab,
    "cost": cost,
    "models": models,
    "tasks": tasks,
    "encoders": encoders,
    "encode": encode,
    "cache": cache,
    "export-avdigits": export,
}


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m fusion", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except FusionError as error:
        return fail(args.command, str(error))
    except OSError as error:  # a folder that cannot be written, a disk that is full
        return fail(args.command, f"{error.strerror or error}: {error.filename or ''}")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def fail(command: str, message: str) -> int:
    """The one line a user error prints on stderr; status 2."""
    print(f"python -m fusion {command}: error: {' '.join(message.splitlines())}", file=sys.stderr)
    return 2
