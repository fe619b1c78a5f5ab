"""The Your data page under hostile names and many users: a valid zip unpacks from the page (it
raised StreamlitWidgetAlreadyInstantiatedError), its bytes are freed and repeated unpacks do not
grow the disk; every name is shown literally; the folder field opens only the data root; in demo
mode there is no folder field, each session sees only its own uploads, and they go with it."""

from __future__ import annotations

import gc
import io
import zipfile
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from fusion import deployment as dep
from fusion.deployment import folder_refusal

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = "text,label,split\n" + "".join(f"word {i},{i % 2},{('train', 'val', 'test')[i % 3]}\n" for i in range(12))
HOSTILE = "![t](http:e.png) [x](e)"
SESSION = "_test_session_id"  # every AppTest has the same session id; these tests give each its own


@pytest.fixture()
def sessions(monkeypatch):
    import ui.session
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    monkeypatch.setattr(ui.session, "session_id", lambda: get_script_run_ctx().session_state[SESSION])  # a folder name may not hold '/', so the link has none


def dataset_zip(top: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{top}/manifest.csv", MANIFEST)
    return buffer.getvalue()


def rendered(source: str) -> str:
    """What CommonMark makes of an element's markdown (Streamlit's renderer agrees on these)."""
    return MarkdownIt("commonmark").render(source)


@pytest.fixture()
def dirs(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FUSION_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("FUSION_DATA_ROOT", str(tmp_path / "home"))
    monkeypatch.setenv("FUSION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("FUSION_DEMO", raising=False)
    (tmp_path / "home").mkdir()
    return tmp_path


def page(session: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if session is not None:
        at.session_state[SESSION] = session
    at.run()
    at.switch_page("pages/your_data.py").run()
    assert not at.exception
    return at


def upload_and_unpack(at: AppTest, data: bytes, name: str = "data.zip") -> None:
    uploads = at.session_state["data_uploads"] if "data_uploads" in at.session_state else 0
    at.file_uploader(key=f"data_zip_{uploads}").set_value((name, data, "application/zip")).run()
    at.button(key="data_unpack").click().run()
    assert not at.exception, at.exception


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_valid_zip_unpacks_from_the_page_and_its_bytes_are_freed(dirs) -> None:
    at = page()
    data = dataset_zip("tiny")
    upload_and_unpack(at, data)
    folder = Path(at.text_input(key="data_folder").value)
    assert folder == dirs / "datasets" / "data" / "tiny" and (folder / "manifest.csv").is_file()
    assert any(m.value.startswith("**tiny**: 12 rows") for m in at.markdown)
    assert at.session_state["data_uploads"] == 1  # a fresh, empty uploader: the upload's bytes were dropped
    assert at.file_uploader(key="data_zip_1").value is None
    before = files(dirs / "datasets")
    for _ in range(2):
        upload_and_unpack(at, data)
    assert files(dirs / "datasets") == before  # the same zip again: nothing more on disk


def test_a_hostile_folder_name_and_run_name_are_shown_literally(dirs) -> None:
    at = page()
    upload_and_unpack(at, dataset_zip(HOSTILE))
    assert not at.error
    report = next(m.value for m in at.markdown if "12 rows" in m.value)
    assert f"<strong>{HOSTILE}</strong>" in rendered(report) and "<img" not in rendered(report)
    assert "http:e" not in report and "\\[x\\]" in report
    at.text_input(key="data_run").input("[x](http://e)").run()
    at.button(key="data_start").click().run()
    assert not at.exception and len(at.error) == 1
    html = rendered(at.error[0].value)
    assert "not allowed" in html and "[x](http://e)" in html and "<a " not in html and "http://" not in at.error[0].value


def test_the_folder_field_refuses_paths_outside_the_data_root_with_one_message(dirs) -> None:
    at = page()
    seen = set()
    for probe in ("/root/.ssh", "/etc/passwd", "/no/such/folder", str(dirs / "runs")):
        at.text_input(key="data_folder").input(probe).run()
        assert not at.exception and len(at.error) == 1
        seen.add(at.error[0].value)
    assert len(seen) == 1 and "FUSION\\_DATA\\_ROOT" in seen.pop()
    inside = dirs / "home" / "nothing-here"
    at.text_input(key="data_folder").input(str(inside)).run()
    assert "does not exist" in at.error[0].value  # inside the root, the usual message
    assert folder_refusal(dirs / "home") != at.error[0].value


def test_in_demo_mode_uploads_are_per_session_within_quotas_and_go_with_the_session(dirs, sessions, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_DEMO", "1")
    monkeypatch.setenv("FUSION_DEMO_UPLOAD_MB", "1")
    alice, bob = page("alice"), page("bob")
    assert not [w for w in alice.text_input if w.key == "data_folder"]  # no server paths
    assert any("at most 1 training job per session" in c.value for c in alice.caption)
    upload_and_unpack(alice, dataset_zip("alices"))
    assert any(m.value.startswith("**alices**") for m in alice.markdown)
    owners = sorted(p.name for p in (dirs / "datasets").iterdir())
    assert len(owners) == 1 and owners[0].startswith("s")
    bob.run()
    assert not any("alices" in m.value for m in bob.markdown)  # bob sees none of it
    upload_and_unpack(bob, dataset_zip("bobs"))
    assert len(list((dirs / "datasets").iterdir())) == 2

    upload_and_unpack(bob, dataset_zip("big") + bytes(1_000_000), "big.zip")  # over bob's 1 MB upload quota
    assert any("may upload 1 MB in all" in e.value for e in bob.error)

    del alice
    gc.collect()  # Streamlit drops an ended session's state: its files go with it
    assert [p.name for p in (dirs / "datasets").iterdir()] == [dep.owner_tag("bob")]


def test_the_train_page_shows_the_demo_limits(dirs, sessions, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_DEMO", "1")
    monkeypatch.setenv("FUSION_DEMO_MAX_JOBS", "3")
    at = page("carol")
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert any("at most 1 training job per session and 3 at once" in c.value for c in at.caption)
