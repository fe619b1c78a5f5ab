"""``fusion/cli`` is one module per command with no import circle: command modules import
``fusion.cli.common`` (and the library), never the package that lists them; building the parser
loads none of the expensive parts (analysis, training, encoders)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import fusion.cli
from fusion.cli import COMMANDS, build_parser

CLI = Path(fusion.cli.__file__).resolve().parent
PACKAGE = "fusion.cli"


def module_name(path: Path) -> str:
    return PACKAGE if path.name == "__init__.py" else f"{PACKAGE}.{path.stem}"


def cli_imports(source: str, submodules: set[str]) -> set[str]:
    """The modules of ``submodules`` that ``source`` imports anywhere (module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.ImportFrom):  # relative: resolve against the package
            base = PACKAGE if not node.module else f"{PACKAGE}.{node.module}"
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in submodules)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(CLI.glob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(p): cli_imports(p.read_text(encoding="utf-8"), modules) - {module_name(p)} for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target):], target] if target in path else [*path, target]
            if target not in state:
                cycle = visit(target, [*path, target])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in graph:
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def test_the_import_graph_parser_sees_lazy_imports() -> None:
    source = "import fusion.cli.common\n\ndef run():\n    from fusion.cli import main\n    from . import tasks\n"
    modules = {PACKAGE, "fusion.cli.common", "fusion.cli.tasks", "fusion.cli.train"}
    assert cli_imports(source, modules) == {"fusion.cli.common", PACKAGE, "fusion.cli.tasks"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_fusion_cli_has_no_import_circle() -> None:
    graph = import_graph()
    assert find_cycle(graph) is None
    back = sorted(name for name, targets in graph.items() if name != PACKAGE and PACKAGE in targets)
    assert back == [], f"{back} import {PACKAGE} itself (the package imports every command)"
    assert graph[f"{PACKAGE}.common"] == set()  # common is the leaf every command stands on
    assert not (CLI / "data.py").exists()


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
