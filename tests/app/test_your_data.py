"""The "Your data" page trains heads on a dataset folder in the background; Explore and Compare then
show them. Zips that try to escape their folder are refused. (AppTest, cheap built-in encoders.)"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fusion.models.catalog import model_sources
from fusion.names import SHIPPED
from fusion.tasks import DATASET, list_tasks
from fusion.viz.explore import one_line
from ui.state import cached_models

ROOT = Path(__file__).resolve().parents[2]
RUN = "mini"


@pytest.fixture()
def folders(tmp_path, tmp_path_factory, session_cache, monkeypatch) -> Path:
    monkeypatch.setenv("FUSION_DATA_ROOT", str(tmp_path_factory.getbasetemp()))  # the folder field opens only these
    monkeypatch.delenv("FUSION_DEMO", raising=False)
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FUSION_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("FUSION_CACHE_DIR", str(session_cache))
    return tmp_path


def your_data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/your_data.py").run()
    assert not at.exception
    return at


def train_on_page(at: AppTest, folder: Path) -> None:
    at.text_input(key="data_folder").input(str(folder)).run()
    for modality, encoder in (("image", "pixels"), ("audio", "logmel"), ("text", "words")):
        at.selectbox(key=f"data_enc_{modality}").set_value(encoder)
    at.number_input(key="data_epochs").set_value(2)
    at.text_input(key="data_run").input(RUN)
    at.button(key="data_start").click().run()
    assert not at.exception
    job = at.session_state["data_job"]
    assert job.join(180), job.progress().message
    assert job.progress().status == "finished", job.progress().message


def test_heads_trained_on_the_page_open_in_explore_and_compare(folders, small_dataset) -> None:
    at = your_data_page()
    train_on_page(at, small_dataset)
    results = at.session_state["data_job"].progress().results
    assert set(results) == {"early", "late", "hybrid", "audio", "image", "text"}
    saved = {p: p.stat().st_mtime_ns for p in (folders / "runs" / RUN).rglob("*") if p.is_file()}
    at.button(key="data_start").click().run()  # the same run name again: refused, nothing overwritten
    assert not at.exception and any("already holds" in e.value for e in at.error)
    assert {p: p.stat().st_mtime_ns for p in (folders / "runs" / RUN).rglob("*") if p.is_file()} == saved
    assert [t.name for t in list_tasks() if t.kind == DATASET] == ["digits-small"] and model_sources("digits-small") == [RUN]
    at.run()
    assert not at.exception
    shipped = cached_models("digits", SHIPPED)  # loaded by the first page, shared by every session
    stale = cached_models("digits-small", RUN)  # as if the run's name had been loaded before
    at.button(key="data_open").click().run()  # "Open in Explore": chooses the dataset and run, switches page
    assert not at.exception
    assert cached_models("digits", SHIPPED) is shipped  # other sessions' models stay loaded
    assert cached_models("digits-small", RUN) is not stale  # the run's own entry is loaded afresh
    assert at.session_state["task"] == "digits-small" and at.session_state["source"] == RUN
    assert at.title[0].value == "Explore"
    explore = at
    explore.session_state["explore_gradients"] = True  # open Integrated Gradients' section
    explore.switch_page("pages/explore.py").run()  # AppTest reruns its own page unless told: stay on Explore
    predicted = [m.value for m in explore.markdown if " predicts " in m.value]
    assert predicted and any(f"**{d}**" in predicted[0] for d in "0123456789")
    titles = [one_line(json.loads(c.proto.spec)["layout"]["title"]["text"]) for c in explore.get("plotly_chart")]
    assert any(t.startswith("IG on image") for t in titles)

    explore.session_state["task"], explore.session_state["source"] = "digits-small", RUN
    explore.switch_page("pages/explore.py").run()  # AppTest reruns its own page unless told: stay on Explore
    explore.radio(key="explore_kind").set_value("my own files").run()
    image = (small_dataset / "images" / "test_0004.png").read_bytes()
    explore.file_uploader(key="explore_upload_image").set_value(("four.png", image, "image/png")).run()
    explore.file_uploader(key="explore_upload_audio").set_value(("x.wav", b"RIFF-not-audio", "audio/wav")).run()
    assert not explore.exception
    assert len(explore.error) == 1 and explore.error[0].value.startswith("x.wav: Could not read the audio: ")  # named once...
    assert [m.value for m in explore.markdown if " predicts " in m.value]  # ...and the image is still analysed

    # AppTest (1.67) drops the sidebar's widget state on switch_page (see tests/app/test_compare.py)
    explore.session_state["task"], explore.session_state["source"] = "digits-small", RUN
    explore.switch_page("pages/compare.py").run()
    assert not explore.exception
    rows = explore.dataframe[0].value
    assert set(rows["model"]) == set(results)
    assert rows.set_index("model")["test accuracy"].to_dict() == {n: m["accuracy"] for n, m in results.items()}


def test_a_malformed_manifest_is_shown_as_an_error(folders) -> None:
    bad = folders / "bad"
    bad.mkdir()
    (bad / "manifest.csv").write_text("picture,label\nx.png,1\n")
    at = your_data_page()
    at.text_input(key="data_folder").input(str(bad)).run()
    assert not at.exception
    assert any("picture" in e.value for e in at.error)


def test_a_zip_with_dot_dot_paths_is_refused_and_nothing_is_written(folders) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data/manifest.csv", "text,label\nhi,1\nho,2\n")
        archive.writestr("../evil.txt", "gotcha")
    at = your_data_page()
    at.file_uploader(key="data_zip_0").set_value(("data.zip", buffer.getvalue(), "application/zip")).run()
    at.button(key="data_unpack").click().run()
    assert not at.exception
    assert any("../evil.txt" in e.value for e in at.error)
    assert not (folders / "evil.txt").exists()
    datasets = folders / "datasets"
    assert not datasets.exists() or not any(datasets.rglob("*")), "a refused zip leaves nothing behind"


def test_reading_the_manifest_shows_its_progress_then_the_report(folders, small_dataset, monkeypatch) -> None:
    """While the page reads a folder's manifest (seconds for a large one) a progress bar counts its
    lines; when it is read, the bar goes and the report is shown."""
    from streamlit.delta_generator import DeltaGenerator

    import fusion.userdata.manifest as manifest_module

    monkeypatch.setattr(manifest_module, "PROGRESS_EVERY", 5)
    manifest_module._manifest_of.cache_clear()  # read now, not from an earlier test
    shown: list[tuple[float, str]] = []
    real = DeltaGenerator.progress
    monkeypatch.setattr(DeltaGenerator, "progress", lambda self, value, text=None: shown.append((value, text)) or real(self, value, text))
    at = your_data_page()
    at.text_input(key="data_folder").input(str(small_dataset)).run()
    assert not at.exception and not at.error
    lines = sum(1 for _ in (small_dataset / "manifest.csv").open())
    assert len(shown) >= 3 and [v for v, _ in shown] == sorted(v for v, _ in shown) and shown[-1][0] == 1.0
    assert all(text.startswith("reading the manifest: line ") for _, text in shown)
    assert shown[-1][1] == f"reading the manifest: line {lines:,} of {lines:,}"
    assert not at.get("progress")  # gone once read
    assert any(m.value.startswith("**digits-small**") for m in at.markdown)
