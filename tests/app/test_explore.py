"""The Explore page (the app's default page) in Streamlit's AppTest.

Uploads go through the real ``st.file_uploader`` widget: AppTest 1.67's ``FileUploader.set_value``
sends the bytes of tests/assets files, so the page decodes them exactly as in a browser (no
monkeypatching). The same files are also decoded directly through ``fusion.tasks.samples``.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fusion.errors import InputError
from fusion.tasks import sample_from_files
from fusion.viz.explore import one_line

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets"


def explore(**state) -> AppTest:
    """Explore with ``state`` in its session; its charts interactive (Plotly) unless the state says
    otherwise: their specs carry the numbers these tests read. The default pictures draw the same
    numbers (tests/app/test_explore_pictures.py)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    state.setdefault("explore_interactive", True)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def predictions(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if " predicts " in m.value]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    return [one_line(spec["layout"]["title"]["text"]) for spec in charts(at)]


def upload(at: AppTest, modality: str, name: str, mime: str, prefix: str = "explore_") -> None:
    at.file_uploader(key=f"{prefix}upload_{modality}").set_value((name, (ASSETS / name).read_bytes(), mime))


def chart_kind(title: str) -> str:
    """A chart's kind from its title: "early: probabilities" -> "probabilities", "IG on image — 40 %
    of the attribution" -> "IG on image"."""
    title = re.sub(r"^\w+: ", "", title).split(" — ")[0]
    return "contributions" if title.startswith("modality contributions") else title


def result_rows(at: AppTest, columns: int = 3) -> list[tuple[set[str], int]]:
    """Each row of ``columns`` columns that holds charts: (the kinds of its charts, how many of its
    columns hold a placeholder caption instead)."""
    rows = []
    for block in at._tree[0].children.values():
        kids = list(getattr(block, "children", {}).values())
        if getattr(block, "type", "") != "flex_container" or len(kids) != columns:
            continue
        kinds, placeholders = set(), 0
        for column in kids:
            specs = [json.loads(c.proto.spec) for c in column.get("plotly_chart")]
            kinds |= {chart_kind(one_line(spec["layout"]["title"]["text"])) for spec in specs}
            placeholders += not specs and bool(column.get("caption"))
        if kinds:
            rows.append((kinds, placeholders))
    return rows


def test_first_run_shows_a_built_in_sample_and_all_three_strategies_side_by_side() -> None:
    at = explore()
    assert not at.exception and not at.error
    assert at.title[0].value == "Explore"
    assert [s.label for s in at.slider] == ["audio corruption", "image corruption", "text corruption"]
    assert [s.value for s in at.slider] == [0.8, 0.75, 0.0]  # the digits task's standard corruption
    assert [t.label for t in at.toggle][:3] == ["remove the audio", "remove the image", "remove the text"]
    assert at.segmented_control(key="explore_view").value == "side by side"  # the default view
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]
    rows = result_rows(at)[1:]  # after the inputs' row
    assert all(len(kinds) == 1 for kinds, _ in rows), rows  # the same kind of chart on the same row
    assert [next(iter(kinds)) for kinds, _ in rows] == [
        "probabilities", "contributions", "attention over audio frames", "attention on the image",
        "attention on the words"]
    assert [placeholders for _, placeholders in rows] == [0] * 5  # early (the joint transformer) has attention too
    # each of the 3 x 3 attention maps has its deletion test's figures, on any cache (recorded beside the checkpoints)
    assert sum("random deletion by" in c.value for c in at.caption) == 9
    assert not any("not measured yet" in c.value for c in at.caption)
    assert len(at.get("audio")) == 1
    # Integrated Gradients: a closed section, computed only when opened
    assert not any(t.startswith("IG on") for t in titles(at))
    assert at.toggle(key="explore_gradients").value is False and at.toggle(key="explore_gradients").label.startswith("Integrated Gradients")
    at.session_state["explore_gradients"] = True
    at.run()
    assert not at.exception
    assert sum("IG converged in" in c.value for c in at.caption) == 3  # each model's IG convergence, beside its maps
    assert sorted(t.split(" — ")[0] for t in titles(at) if t.startswith("IG on")) == sorted(
        f"IG on {m}" for m in ("audio", "image", "text") for _ in range(3))


def waterfalls(at: AppTest) -> list[str]:
    """The class each contributions chart explains, from its axis title."""
    return [spec["layout"]["yaxis"]["title"]["text"] for spec in charts(at)
            if any(trace["type"] == "waterfall" for trace in spec["data"])]


def test_every_column_explains_one_class_the_true_one_by_default_and_a_selector_picks_another() -> None:
    at = explore()
    true = at.session_state["explore_index"]  # test row 0
    from fusion.tasks import get_task

    label = get_task("digits").sample(true).label
    axes = waterfalls(at)
    assert len(axes) == 3 and len(set(axes)) == 1 and get_task("digits").class_name(label) in axes[0]
    other = (label + 1) % 10
    at.selectbox(key="explore_target_digits").set_value(other).run()
    assert not at.exception
    axes = waterfalls(at)
    assert len(set(axes)) == 1 and get_task("digits").class_name(other) in axes[0]
    assert dict(at.query_params)["target"] == str(other)  # the shared link keeps the class
    at.segmented_control(key="explore_scale").set_value("log-probability").run()
    assert all(axis.startswith("log") for axis in waterfalls(at)), waterfalls(at)


def test_clicking_the_chosen_view_keeps_it_and_the_single_view_shows_one_strategy() -> None:
    at = explore()
    at.segmented_control(key="explore_view").set_value(None).run()  # a click on the chosen option
    assert at.segmented_control(key="explore_view").value == "side by side"
    assert len(predictions(at)) == 3
    at.segmented_control(key="explore_view").set_value("single").run()
    assert not at.exception
    assert len(predictions(at)) == 1 and predictions(at)[0].startswith("**early** predicts")
    # inputs (image, spectrogram, tokens) + probabilities, a waterfall, 3 attention maps (IG: a closed section)
    assert len(charts(at)) == 8
    assert any(trace["type"] == "waterfall" for spec in charts(at) for trace in spec["data"])
    assert sum(c.value.startswith(f"{m} attention: ") for c in at.caption for m in ("audio", "image", "text")) == 3
    at.session_state["explore_gradients"] = True  # the single view's IG section opens too
    at.run()
    assert not at.exception and not at.error
    assert len(charts(at)) == 11  # and its three IG maps


def test_switching_strategy_changes_the_analysis_and_browsing_moves_the_sample() -> None:
    at = explore(explore_view="single")
    early = charts(at)
    at.segmented_control(key="explore_strategy").set_value("hybrid").run()
    assert not at.exception
    assert predictions(at)[0].startswith("**hybrid** predicts")
    hybrid = charts(at)
    assert len(hybrid) == len(early)  # both have attention overlays on image, spectrogram and words
    assert hybrid[3:] != early[3:]
    at.button(key="explore_next").click().run()
    assert at.number_input(key="explore_index").value == 1
    at.button(key="explore_prev").click().run()
    assert at.number_input(key="explore_index").value == 0


def test_a_preset_from_the_learn_page_sets_the_widgets() -> None:
    preset = {"sample": 5, "strategy": "late", "view": "single", "corruption": {"image": 0.0}, "removed": ["text"]}
    at = explore(explore_preset=preset)
    assert not at.exception
    assert "explore_preset" not in at.session_state
    assert at.number_input(key="explore_index").value == 5
    assert at.slider(key="explore_level_digits_builtin_image").value == 0.0
    assert at.toggle(key="explore_remove_text").value is True
    assert predictions(at)[0].startswith("**late** predicts")
    assert not any("word" in t or "text" in t for t in titles(at))  # the text is removed (absent)


def test_match_says_which_digit_is_written_and_which_is_spoken() -> None:
    at = explore(task="match")
    assert not at.exception and not at.error
    assert [s.label for s in at.slider] == ["audio corruption", "image corruption"]  # no text on match
    facts = next(m.value for m in at.markdown if "written digit" in m.value)
    written, spoken = re.findall(r"(?:written|spoken) digit \*\*(\d)\*\*", facts)
    truth = "same" if written == spoken else "different"
    assert f"true class **{truth}**" in facts
    assert all(re.search(r"predicts \*\*(same|different)\*\*", p) for p in predictions(at))


def test_uploaded_png_and_wav_are_analysed() -> None:
    at = explore(explore_kind="my own files")
    assert not at.exception and not predictions(at)
    assert [s.value for s in at.slider] == [0.0, 0.0, 0.0]  # uploads start clean
    upload(at, "image", "digit.png", "image/png")
    upload(at, "audio", "tone.wav", "audio/wav")
    at.run()
    assert not at.exception and not at.error
    assert len(predictions(at)) == 3
    assert len(at.get("audio")) == 1
    waterfall = next(t for spec in charts(at) for t in spec["data"] if t["type"] == "waterfall")
    assert waterfall["x"] == ["no modality", "audio", "image", "all present"]


def test_a_corrupt_upload_shows_one_error_and_the_rest_still_works() -> None:
    at = explore(explore_kind="my own files")
    upload(at, "image", "corrupt.png", "image/png")
    upload(at, "audio", "tone.wav", "audio/wav")
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("corrupt.png: Could not read the image: the data")
    assert predictions(at)  # the audio alone is analysed
    # the refused file left the widget (a fresh uploader), its message stays until the next upload
    fresh = at.file_uploader(key="explore_upload_image_1")
    assert not fresh.value
    fresh.set_value(("digit.png", (ASSETS / "digit.png").read_bytes(), "image/png"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "image" not in at.session_state["explore_refused"]


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


def test_the_case_lives_in_the_url_and_a_shared_link_reopens_it() -> None:
    at = explore()
    at.number_input(key="explore_index").set_value(14).run()
    assert not at.exception
    link = dict(at.query_params)
    assert link["task"] == "digits" and link["sample"] == "14" and link["view"] == "side by side"

    opened = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    opened.query_params.update({"task": "match", "sample": "5", "view": "single", "strategy": "hybrid", "removed": "audio"})
    opened.run()
    assert not opened.exception and not opened.error
    assert opened.session_state["task"] == "match" and opened.session_state["explore_index"] == 5
    assert opened.session_state["explore_remove_audio"] is True
    assert predictions(opened) and predictions(opened)[0].startswith("**hybrid**")


def test_the_analysis_downloads_as_the_cli_json(capsys) -> None:
    at = explore()
    assert [b.proto.label for b in at.get("download_button")] == ["Download this analysis (JSON)"]

    # the page's payload is report_payload over its analyses: the same function the CLI prints
    from fusion.cli import main
    from fusion.explain.analysis import explain_model, report_payload
    from fusion.models.checkpoints import load_models
    from fusion.tasks import get_task

    task, models = get_task("digits"), load_models("digits", ["early", "late", "hybrid"])
    sample = task.sample(0)
    payload = report_payload(task, 0, sample.label, {n: explain_model(m, sample).to_dict(maps=True) for n, m in models.items()})
    assert main(["explain", "--task", "digits", "--sample", "0", "--json"]) == 0
    assert json.loads(json.dumps(payload)) == json.loads(capsys.readouterr().out)


def test_an_input_unlike_the_training_data_gets_a_notice() -> None:
    import io

    import numpy as np
    from PIL import Image

    at = explore()
    assert not [w.value for w in at.warning if "unlike the training data" in w.value]  # a test row
    noise = (np.random.default_rng(1).random((64, 64, 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG")
    at.radio(key="explore_kind").set_value("my own files").run()
    at.file_uploader(key="explore_upload_image").set_value(("noise.png", buffer.getvalue(), "image/png"))
    at.run()
    assert not at.exception
    assert any(w.value.startswith("The image is unlike the training data") for w in at.warning)


def test_a_silent_upload_is_analysed_with_a_warning_as_a_sentence_without_microphone_advice() -> None:
    at = explore()
    at.radio(key="explore_kind").set_value("my own files").run()
    upload(at, "audio", "silent.wav", "audio/wav")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # its player: no 0 / 0 (Streamlit's scaling of a silent wave)
        at.run()
    assert not at.exception and predictions(at)  # analysed, not refused
    assert len(at.get("audio")) == 1
    silent = [w.value for w in at.warning if "silent" in w.value]
    assert len(silent) == 1 and silent[0].startswith("The clip is silent") and "microphone" not in silent[0]


def test_a_removed_modalitys_corruption_slider_is_disabled() -> None:
    at = explore()
    assert not any(s.disabled for s in at.slider)
    at.toggle(key="explore_remove_audio").set_value(True).run()
    assert [s.disabled for s in at.slider] == [True, False, False]  # audio, image, text


@pytest.mark.parametrize("task", ["digits", "match", "motion"])
def test_every_built_in_task_is_analysed_with_its_shipped_models(task: str) -> None:
    at = explore(task=task)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["source"] == "shipped"
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]
