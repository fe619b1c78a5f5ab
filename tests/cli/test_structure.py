"""``fusion/cli`` is one module per command with no import circle: command modules import
``fusion.cli.common`` (and the library), never the package that lists them; building the parser
loads none of the expensive parts (analysis, training, encoders)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fusion.cli
from fusion.cli import COMMANDS, build_parser
from tests.test_imports import MODULES, cycles, imported

CLI = Path(fusion.cli.__file__).resolve().parent
PACKAGE = "fusion.cli"


def cli_graph() -> dict[str, set[str]]:
    """fusion.cli module -> the fusion.cli modules it imports anywhere (lazy imports included)."""
    return {name: {t for t in imported(path) if t.startswith(PACKAGE)}
            for name, path in MODULES.items() if name == PACKAGE or name.startswith(f"{PACKAGE}.")}


def test_fusion_cli_has_no_import_circle() -> None:
    graph = cli_graph()
    assert set(graph) == {PACKAGE, *(f"{PACKAGE}.{p.stem}" for p in CLI.glob("*.py") if p.stem != "__init__")}
    assert graph[PACKAGE] >= {f"{PACKAGE}.{name}" for name in ("common", "evaluate", "explain", "train")}
    assert cycles(graph) == []
    back = sorted(name for name, targets in graph.items() if PACKAGE in targets)
    assert back == [], f"{back} import {PACKAGE} itself (the package imports every command)"
    assert graph[f"{PACKAGE}.common"] == set()  # common is the leaf every command stands on
    assert all(f"{PACKAGE}.common" in graph[f"{PACKAGE}.{name}"] for name in ("evaluate", "explain", "train"))
    assert not (CLI / "data.py").exists()


def test_the_graph_reads_imports_inside_functions() -> None:
    """Commands import the library lazily (inside ``run``); the graph sees those imports too."""
    lazy = imported(CLI / "explain.py")
    assert {"fusion.explain.analysis", "fusion.tasks", "fusion.cli.common"} <= lazy
    assert "fusion.training.loop" in imported(CLI / "train.py")


def test_every_command_is_one_module_with_add_parser_and_run() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # argparse's registered sub-commands
    assert list(commands) == list(COMMANDS)
    for name, module in COMMANDS.items():
        assert callable(module.add_parser) and callable(module.run), name
        assert Path(module.__file__).parent == CLI
        assert commands[name].prog == f"python -m fusion {name}"
    files = {p.stem for p in CLI.glob("*.py")} - {"__init__", "common"}
    assert files == {Path(m.__file__).stem for m in COMMANDS.values()}


def test_building_the_parser_loads_no_analysis_training_or_encoders() -> None:
    heavy = ("captum", "fusion.explain", "fusion.evaluation", "fusion.training", "fusion.embeddings",
             "fusion.encoders", "fusion.userdata", "fusion.tasks", "open_clip", "transformers")
    script = ("import json, sys\nfrom fusion.cli import build_parser\nbuild_parser().format_help()\n"
              f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({heavy!r}))))")
    completed = subprocess.run([sys.executable, "-c", script], cwd=CLI.parents[1], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []
