"""A training run shows its own models only: a run that holds one strategy never borrows the shipped
others without saying so (the sidebar says what the run holds)."""

from __future__ import annotations

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from fusion.models.checkpoints import shipped_root

ROOT = Path(__file__).resolve().parents[2]


def test_an_early_only_run_shows_only_its_early_model(tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(shipped_root() / "digits" / "early", tmp_path / "run-1" / "digits" / "early")
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["source"] = "run-1"  # AppTest (1.67) drops the sidebar from its tree on a rerun
    at.run()
    assert not at.exception
    headlines = [m.value for m in at.markdown if " predicts " in m.value]
    assert [h.split("**")[1] for h in headlines] == ["early"]
    note = [c.value for c in at.sidebar.caption if "run-1 holds" in c.value]
    assert note and "early" in note[0] and "late, hybrid" in note[0] and "shipped" in note[0]

    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert list(at.dataframe[0].value["model"]) == ["early"]
