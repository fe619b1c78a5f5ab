"""The Learn page: three architecture diagrams, facts computed from the shipped models, Explore buttons."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from fusion.training.shipped import shipped_models

ROOT = Path(__file__).resolve().parents[2]


def open_learn() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    return at


def test_learn_shows_three_architectures_and_the_facts_with_computed_numbers() -> None:
    at = open_learn()
    charts = at.get("plotly_chart")
    assert len(charts) == 5  # three architectures + the contribution shift + reliance by accent
    accuracy = {(r["task"], r["model"]): r["test accuracy"] for r in shipped_models()}
    metrics = {m.label: m.value for m in at.metric}
    deltas = [m.delta for m in at.metric if m.delta]  # differences of accuracies: points, never a relative %
    assert deltas and all(d.endswith(("points", "points vs chance")) and "%" not in d for d in deltas), deltas
    assert metrics["hybrid (fusion)"] == f"{accuracy[('digits', 'hybrid')]:.1%}"
    assert metrics["audio only"] == f"{accuracy[('digits', 'audio')]:.1%}"
    assert metrics["late"] == f"{accuracy[('match', 'late')]:.1%}"
    text = " ".join(m.value for m in at.markdown)
    assert "at chance" in text and "Shapley" in text
    from fusion.viz.reading import READING

    assert any(h.value == "What each explanation measures" for h in at.header)
    assert all(READING[k] in text for k in ("contributions", "attention", "faithfulness", "gradients", "emap"))  # as beside the charts
    assert len([b for b in at.button if b.label == "Open in Explore"]) == 4
    # the early text describes the drawn model: digits' early model concatenates tokens (joint attention)
    assert "concatenates every modality's tokens" in text and "squeezes each modality" not in text


def test_learn_shows_the_reliance_demonstration_with_computed_numbers() -> None:
    from fusion.evaluation.reliance import reliance
    from fusion.training.demos import DEMO_TASK, NOISY_ACCENT, demo_models, image_lean

    at = open_learn()
    lean = image_lean(reliance(DEMO_TASK, demo_models(), "accent"))
    text = next(m.value for m in at.markdown if "Shuffling the audio" in m.value)
    assert NOISY_ACCENT in text
    for strategy, numbers in lean.items():
        assert f"{strategy} {numbers['image_share']:.0%} against {numbers['others_image_share'][0]:.0%}" in text


def test_open_in_explore_prepares_the_case() -> None:
    at = open_learn()
    button = next(b for b in at.button if b.key == "explore_match")
    button.click().run()
    assert not at.exception
    assert at.session_state["task"] == "match"
    # Either the preset waits in session state, or the Explore page (shown) has applied and removed it.
    if "explore_preset" in at.session_state:
        preset = at.session_state["explore_preset"]
        assert preset["strategy"] == "late" and preset["view"] == "side by side"
        assert set(preset) == {"sample", "strategy", "view", "corruption", "removed"}
    else:
        assert [t.value for t in at.title] == ["Explore"]
        assert at.session_state["explore_strategy"] == "late"


def test_open_in_explore_with_a_corruption() -> None:
    at = open_learn()
    next(b for b in at.button if b.key == "explore_shift").click().run()
    assert not at.exception
    assert at.session_state["task"] == "digits"


def test_the_match_button_opens_a_row_where_late_fusion_is_wrong_and_the_others_right() -> None:
    from fusion.explain.analysis import explain_model
    from fusion.models.checkpoints import load_models
    from fusion.tasks import get_task

    at = open_learn()
    next(b for b in at.button if b.key == "explore_match").click().run()
    assert not at.exception
    row = at.session_state["explore_preset"]["sample"] if "explore_preset" in at.session_state else at.session_state["explore_index"]
    task, models = get_task("match"), load_models("match", ["early", "late", "hybrid"])
    sample = task.sample(row)
    right = {name: explain_model(model, sample).predicted == sample.label for name, model in models.items()}
    assert right == {"early": True, "late": False, "hybrid": True}


def test_the_motion_section_shows_measured_numbers_and_opens_a_wrong_direction_row_late_fusion_gets_wrong() -> None:
    from fusion.evaluation.robustness import robustness
    from fusion.explain.analysis import explain_model
    from fusion.models.checkpoints import load_models
    from fusion.tasks import get_task

    at = open_learn()
    accuracy = {(r["task"], r["model"]): r["test accuracy"] for r in shipped_models()}
    metrics = {m.label: m.value for m in at.metric}
    for strategy in ("early", "late", "hybrid"):
        assert metrics[f"motion {strategy}"] == f"{accuracy[('motion', strategy)]:.1%}"  # recorded
    best = max(("early", "hybrid"), key=lambda s: accuracy[("motion", s)])
    models = load_models("motion", ["early", "late", "hybrid"])
    shuffled = robustness({best: models[best]}, "motion", levels=(0.0,)).conditions[best]["frames_shuffled"]
    assert metrics[f"shuffled ({best})"] == f"{shuffled:.1%}"  # measured
    text = " ".join(m.value for m in at.markdown)
    assert f"falls from {accuracy[('motion', best)]:.1%} to {shuffled:.1%}" in text

    next(b for b in at.button if b.key == "explore_motion").click().run()
    assert not at.exception and at.session_state["task"] == "motion"
    row = at.session_state["explore_preset"]["sample"] if "explore_preset" in at.session_state else at.session_state["explore_index"]
    sample = get_task("motion").sample(row)
    facts = sample.facts
    assert facts["video digit"] == facts["caption digit"] and facts["video direction"] != facts["caption direction"]
    right = {name: explain_model(model, sample).predicted == sample.label for name, model in models.items()}
    assert right == {"early": True, "late": False, "hybrid": True}


def test_a_fresh_checkout_shows_the_recorded_deletion_test_of_every_shipped_map(tmp_path, monkeypatch) -> None:
    """An empty result cache: the table shows the figures recorded beside the checkpoints at once."""
    from fusion.explain.faithfulness import deletion_settings, recorded_figures
    from fusion.models.checkpoints import checkpoint_dir, load_checkpoint, shipped_root

    monkeypatch.setenv("FUSION_CACHE_DIR", str(tmp_path))
    at = open_learn()
    assert not any("has not been run" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "difference 95 % CI" in d.value.columns)
    for task, name, modality, ci in zip(table["task"], table["model"], table["modality"], table["difference 95 % CI"]):
        recorded = recorded_figures(name, load_checkpoint(checkpoint_dir(shipped_root(), task, name)), deletion_settings(task))
        low, high = recorded[modality]["difference_ci"]
        assert ci == f"[{low:+.3f}, {high:+.3f}]"
    assert {(t, m) for t, m in zip(table["task"], table["model"])} == {
        (t, m) for t in ("digits", "match") for m in ("early", "late", "hybrid")}


def test_learn_shows_the_deletion_test_of_every_shipped_map_once_measured(tmp_path, monkeypatch) -> None:
    """Not measured (a fresh cache, no records): a sentence and a button; the button measures, and the
    table then shows exactly the measured figures (a stand-in deletion test, so the test stays fast)."""
    from fusion.explain import faithfulness

    monkeypatch.setenv("FUSION_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(faithfulness, "RECORD", "not-recorded.json")  # as if the checkpoints had no records
    at = open_learn()
    assert any("has not been run on digits and match yet" in c.value for c in at.caption)
    tables = len(at.dataframe)
    measured = []

    def stand_in(model, split, n=None, k=faithfulness.K, draws=faithfulness.DRAWS, seed=0):
        measured.append(len(split))
        return {m: faithfulness.Faithfulness(0.3, 0.1, (0.15, 0.25), len(split), 0.0, k) for m in model.modalities}

    monkeypatch.setattr(faithfulness, "deletion_test", stand_in)
    at.button(key="learn_faithfulness").click().run()
    assert not at.exception
    table = at.dataframe[tables].value
    shipped = {(r["task"], r["model"]) for r in shipped_models()
               if r["task"] in ("digits", "match") and r["model"] in ("early", "late", "hybrid")}
    assert set(zip(table["task"], table["model"])) == shipped and len(measured) == len(shipped)  # every model, once
    assert (table["n"] == 360).all() and (table["difference 95 % CI"] == "[+0.150, +0.250]").all()
    assert table["beats random"].all() and not any("has not been run" in c.value for c in at.caption)


def test_a_learn_case_opens_whole_whatever_explore_kept_from_before() -> None:
    """Explore keeps its choices across pages; a Learn button still opens exactly its case: the
    task's standard corruption except the preset's levels, and the true class as the target."""
    from fusion.tasks import get_task
    from fusion.explain.cases import ROW
    from ui.explore import AUTO, level_key, target_key

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.slider(key=level_key("digits", ROW, "image")).set_value(0.2)
    at.selectbox(key=target_key("digits")).set_value(3)
    at.run()
    assert not at.exception and at.session_state[target_key("digits")] == 3
    at.switch_page("pages/learn.py").run()
    next(b for b in at.button if b.key == "explore_shift").click().run()  # digits, audio fully corrupted
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    standard = get_task("digits").standard_corruption
    assert at.session_state[level_key("digits", ROW, "image")] == standard["image"]  # not the kept 0.2
    assert at.session_state[level_key("digits", ROW, "audio")] == 1.0  # the preset's
    assert at.session_state[target_key("digits")] == AUTO
