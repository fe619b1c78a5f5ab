"""``import fusion`` makes torchvision (and so open_clip and transformers) importable on CPU torch,
and sets the Hugging Face libraries offline unless the user opted in.

The real imports run in a fresh interpreter, because this one has imported fusion already. The
decision logic of ``ensure_torchvision_importable`` is tested in-process with fakes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

import fusion._torchvision as guard

ROOT = Path(__file__).resolve().parents[1]
OFFLINE_VARIABLES = ("FUSION_ONLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")

LIBRARIES_AFTER_FUSION = """
    import os
    import fusion
    assert os.environ.get("HF_HUB_OFFLINE") == "1", os.environ.get("HF_HUB_OFFLINE")
    assert os.environ.get("TRANSFORMERS_OFFLINE") == "1", os.environ.get("TRANSFORMERS_OFFLINE")

    import torchvision.transforms
    import open_clip
    assert open_clip.list_models(), "open_clip lists no model configs"

    import torch
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    config = BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16, vocab_size=50)
    hidden = BertModel(config).eval()(torch.randint(1, 50, (2, 5))).last_hidden_state
    assert hidden.shape == (2, 5, 16) and torch.isfinite(hidden).all(), hidden.shape
    print("libraries ok")
"""


def run_python(script: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter, without any of the offline switches set unless given."""
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARIABLES}
    env.update(environment)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_open_clip_and_transformers_import_and_run_after_import_fusion() -> None:
    result = run_python(LIBRARIES_AFTER_FUSION)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "libraries ok" in result.stdout


def test_fusion_online_opts_out_of_offline_mode() -> None:
    result = run_python(
        "import os, fusion; print(os.environ.get('HF_HUB_OFFLINE'), os.environ.get('TRANSFORMERS_OFFLINE'))",
        FUSION_ONLINE="1",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["None", "None"]


# --- the decision logic, with fakes -----------------------------------------------------------


class FakeImports:
    """Stands in for ``importlib``: raises the queued errors in turn, then imports fine."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[str] = []

    def import_module(self, name: str) -> object:
        self.calls.append(name)
        if self.errors:
            raise self.errors.pop(0)
        return SimpleNamespace(__name__=name)


class FakeLibrary:
    def __init__(self, namespace: str, kind: str) -> None:
        self.namespace, self.kind, self.schemas = namespace, kind, []

    def define(self, schema: str) -> None:
        self.schemas.append(schema)


@pytest.fixture
def fake_guard(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[FakeImports, dict[str, object]]]:
    """Install fakes for the imports, ``torch.library`` and ``sys.modules`` of the guard; the
    guard's real state (``_library``, ``patched``) is restored afterwards."""

    def install(*errors: Exception) -> tuple[FakeImports, dict[str, object]]:
        imports = FakeImports(*errors)
        modules = {"torchvision": 1, "torchvision.ops": 2, "torchvision_extra": 3, "numpy": 4}
        monkeypatch.setattr(guard, "importlib", imports)
        monkeypatch.setattr(guard, "torch", SimpleNamespace(library=SimpleNamespace(Library=FakeLibrary)))
        monkeypatch.setattr(guard, "sys", SimpleNamespace(modules=modules))
        monkeypatch.setattr(guard, "_library", None)
        monkeypatch.setattr(guard, "patched", False)
        return imports, modules

    return install


def test_an_importable_torchvision_is_left_alone(fake_guard) -> None:
    imports, modules = fake_guard()
    assert guard.ensure_torchvision_importable() is True
    assert imports.calls == ["torchvision"] and len(modules) == 4
    assert guard._library is None and guard.patched is False


def test_a_missing_torchvision_returns_false(fake_guard) -> None:
    imports, _ = fake_guard(ModuleNotFoundError("No module named 'torchvision'"))
    assert guard.ensure_torchvision_importable() is False
    assert imports.calls == ["torchvision"] and guard._library is None and guard.patched is False


def test_any_other_runtime_error_propagates_unchanged(fake_guard) -> None:
    error = RuntimeError("something else")
    imports, modules = fake_guard(error)
    with pytest.raises(RuntimeError) as raised:
        guard.ensure_torchvision_importable()
    assert raised.value is error
    assert imports.calls == ["torchvision"] and len(modules) == 4
    assert guard._library is None and guard.patched is False


def test_the_missing_nms_operator_is_declared_and_the_import_retried(fake_guard) -> None:
    imports, modules = fake_guard(RuntimeError("operator torchvision::nms does not exist"))
    assert guard.ensure_torchvision_importable() is True
    assert imports.calls == ["torchvision", "torchvision"]
    assert sorted(modules) == ["numpy", "torchvision_extra"], "half-imported torchvision modules must be forgotten"
    library = guard._library
    assert isinstance(library, FakeLibrary) and (library.namespace, library.kind) == ("torchvision", "DEF")
    assert [schema.split("(")[0] for schema in library.schemas] == ["nms", "qnms"]
    assert guard.patched is True


def test_import_fusion_defers_torchvision_until_someone_imports_it() -> None:
    result = run_python(
        """
        import sys
        import fusion
        assert "torchvision" not in sys.modules, "import fusion must not pay for torchvision"
        import torchvision.transforms
        import fusion._torchvision as guard
        assert guard.patched, "the CPU-torch guard ran at torchvision's first import"
        assert guard._hook not in sys.meta_path
        print("deferred ok")
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "deferred ok" in result.stdout
