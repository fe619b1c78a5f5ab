"""``lab``: the interaction lab: train small early, late and hybrid models on a synthetic task whose
partial information decomposition is known, and measure them against that truth."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import seed_type
from fusion.errors import ConfigError


def add_parser(commands) -> argparse.ArgumentParser:
    from fusion.lab import KINDS

    command = commands.add_parser("lab", help="train early / late / hybrid on a synthetic task of known PID and "
                                              "compare accuracy, EMAP, Shapley and measured PID with the truth")
    command.add_argument("--kind", choices=KINDS, help="a pure task: log2 3 = 1.585 bits of redundancy, uniqueness (image) or synergy (sum mod 3)")
    command.add_argument("--mix", metavar="R,U,S", help="weights of the three mechanisms instead of --kind, e.g. 1,0,1")
    command.add_argument("--epochs", type=int, default=None, help="training epochs per model (default 16)")
    command.add_argument("--seed", type=seed_type, default=0, help="seed of the data draws and the training")
    command.add_argument("--json", action="store_true", help="print one JSON object")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.lab.experiment import LabSettings, run_lab
    from fusion.lab.generative import parse_mix, pure

    if (args.kind is None) == (args.mix is None):
        raise ConfigError("give one of --kind redundancy|uniqueness|synergy or --mix R,U,S")
    if args.epochs is not None and not 1 <= args.epochs <= 200:
        raise ConfigError(f"--epochs must be in 1..200, got {args.epochs}")
    mix = pure(args.kind) if args.kind else parse_mix(args.mix)
    settings = LabSettings(seed=args.seed, **({"epochs": args.epochs} if args.epochs else {}))
    result = run_lab(mix, settings)
    print(json.dumps(result) if args.json else summary(result))
    return 0


def summary(result: dict) -> str:
    """A few lines for people: truth against measured PID, then each strategy."""
    def atoms(pid: dict) -> str:
        unique = ", ".join(f"U[{m}] {v:.2f}" for m, v in pid["uniqueness"].items())
        return f"R {pid['redundancy']:.2f}, {unique}, S {pid['synergy']:.2f} bits"

    lines = [f"task: {result['kind']}", f"  truth:    {atoms(result['truth'])}", f"  measured: {atoms(result['measured'])}"]
    for name, row in result["strategies"].items():
        lines.append(f"  {name:>7}: accuracy {row['accuracy']:.3f}, EMAP non-additive share "
                     f"{row['emap_nonadditive_share']:.3f}; captured {atoms(row['captured'])}")
    return "\n".join(lines)
