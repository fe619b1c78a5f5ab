"""The Explore page (the app's default page) in Streamlit's AppTest.

Uploads go through the real ``st.file_uploader`` widget: AppTest 1.67's ``FileUploader.set_value``
sends the bytes of tests/assets files, so the page decodes them exactly as in a browser (no
monkeypatching). The same files are also decoded directly through ``fusion.tasks.samples``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fusion.errors import InputError
from fusion.tasks import sample_from_files

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets"


def explore(**state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def predictions(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if " predicts " in m.value]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def upload(at: AppTest, modality: str, name: str, mime: str) -> None:
    at.file_uploader(key=f"explore_upload_{modality}").set_value((name, (ASSETS / name).read_bytes(), mime))


def test_first_run_shows_a_built_in_sample_its_controls_and_one_strategy() -> None:
    at = explore()
    assert not at.exception and not at.error
    assert at.title[0].value == "Explore"
    assert [s.label for s in at.slider] == ["audio corruption", "image corruption", "text corruption"]
    assert [s.value for s in at.slider] == [0.7, 0.75, 0.0]  # the digits task's standard corruption
    assert [t.label for t in at.toggle] == ["remove the audio", "remove the image", "remove the text"]
    assert len(predictions(at)) == 1 and predictions(at)[0].startswith("**early** predicts")
    specs = charts(at)
    # inputs (image, spectrogram, tokens) + probabilities, waterfall, 3 IG maps (early has no attention)
    assert len(specs) == 8
    assert any(trace["type"] == "waterfall" for spec in specs for trace in spec["data"])
    assert any("no attention" in c.value for c in at.caption)  # early's attention_note
    assert len(at.get("audio")) == 1


def test_switching_strategy_changes_the_analysis_and_browsing_moves_the_sample() -> None:
    at = explore()
    early = charts(at)
    at.segmented_control(key="explore_strategy").set_value("hybrid").run()
    assert not at.exception
    assert predictions(at)[0].startswith("**hybrid** predicts")
    hybrid = charts(at)
    assert len(hybrid) > len(early)  # hybrid adds attention overlays on image, spectrogram and words
    assert hybrid[3:] != early[3:]
    at.button(key="explore_next").click().run()
    assert at.number_input(key="explore_index").value == 1
    at.button(key="explore_prev").click().run()
    assert at.number_input(key="explore_index").value == 0


def test_side_by_side_shows_all_three_strategies_in_columns() -> None:
    at = explore(explore_view="side by side")
    assert not at.exception
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]
    result_columns = [c for c in at.columns if any(" predicts " in m.value for m in c.markdown)]
    assert len(result_columns) >= 3


def test_a_preset_from_the_learn_page_sets_the_widgets() -> None:
    preset = {"sample": 5, "strategy": "late", "corruption": {"image": 0.0}, "removed": ["text"]}
    at = explore(explore_preset=preset)
    assert not at.exception
    assert "explore_preset" not in at.session_state
    assert at.number_input(key="explore_index").value == 5
    assert at.slider(key="explore_level_digits_builtin_image").value == 0.0
    assert at.toggle(key="explore_remove_text").value is True
    assert predictions(at)[0].startswith("**late** predicts")
    titles = [spec["layout"]["title"]["text"] for spec in charts(at)]
    assert not any("word" in t or "text" in t for t in titles)  # the text is removed (absent)


def test_uploaded_png_and_wav_are_analysed() -> None:
    at = explore(explore_kind="my own files")
    assert not at.exception and not predictions(at)
    assert [s.value for s in at.slider] == [0.0, 0.0, 0.0]  # uploads start clean
    upload(at, "image", "digit.png", "image/png")
    upload(at, "audio", "tone.wav", "audio/wav")
    at.run()
    assert not at.exception and not at.error
    assert len(predictions(at)) == 1
    assert len(at.get("audio")) == 1
    waterfall = next(t for spec in charts(at) for t in spec["data"] if t["type"] == "waterfall")
    assert waterfall["x"] == ["no modality", "audio", "image", "all present"]


def test_a_corrupt_upload_shows_an_error_and_the_rest_still_works() -> None:
    at = explore(explore_kind="my own files")
    upload(at, "image", "corrupt.png", "image/png")
    upload(at, "audio", "tone.wav", "audio/wav")
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("Could not read the image")
    assert len(predictions(at)) == 1  # the audio alone is analysed


@pytest.mark.parametrize("name, modality", [("digit.png", "image"), ("tone.wav", "audio")])
def test_the_same_files_decode_directly(name: str, modality: str) -> None:
    sample = sample_from_files({modality: (ASSETS / name).read_bytes()})
    assert sample.modalities == [modality]
    value = sample.get(modality)
    if modality == "image":
        assert value.shape == (8, 8) and 0 <= value.min() <= value.max() <= 1
    else:
        assert value.ndim == 1 and len(value) > 0


def test_a_corrupt_png_raises_an_input_error_directly() -> None:
    with pytest.raises(InputError):
        sample_from_files({"image": (ASSETS / "corrupt.png").read_bytes()})
