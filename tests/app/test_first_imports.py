"""The server's first imports run with the cyclic garbage collector paused (ui/imports.py), and
Streamlit's full collection after every script run is off (.streamlit/config.toml)."""

from __future__ import annotations

import gc
import sys
import tomllib
from pathlib import Path

from ui.imports import import_paused

ROOT = Path(__file__).resolve().parents[2]


def test_modules_are_imported_with_the_collector_paused_and_it_resumes(tmp_path, monkeypatch) -> None:
    (tmp_path / "probe_first_import.py").write_text("import gc\nCOLLECTING = gc.isenabled()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "probe_first_import", raising=False)
    assert gc.isenabled()
    import_paused(["probe_first_import", "json"])
    assert sys.modules["probe_first_import"].COLLECTING is False  # paused while it was imported
    assert gc.isenabled()  # and resumed


def test_a_failed_import_resumes_the_collector_and_a_paused_one_stays_paused(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "no_such_module_here", raising=False)
    try:
        import_paused(["no_such_module_here"])
    except ModuleNotFoundError:
        pass
    else:
        raise AssertionError("the import should have failed")
    assert gc.isenabled()
    gc.disable()
    try:
        import_paused(["colorsys"])
        assert not gc.isenabled()  # it was paused by someone else: left as it was
    finally:
        gc.enable()


def test_the_app_has_no_full_collection_after_every_run_and_imports_through_import_paused() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
    assert "import_paused([" in (ROOT / "app.py").read_text(encoding="utf-8")
