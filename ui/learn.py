"""The Learn page's facts, demonstrated on the built-in data: numbers computed from the shipped
models (never typed in), each with a button that opens the case in Explore (``Preset``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fusion.explain.analysis import shapley_shift
from fusion.explain.cases import Preset
from fusion.models.catalog import SHIPPED
from fusion.models.config import FUSION_STRATEGIES
from fusion.tasks import get_task
from fusion.viz.learn import contribution_figure
from ui.explore import open_in_explore
from ui.state import show_error, task_models

CORRUPTED = {"audio": 1.0}
SEARCHED_ROWS = 120  # test rows searched for the contribution example
AT_CHANCE = 0.05  # within this many accuracy points of chance counts as "at chance"


def points(difference: float) -> str:
    """A difference of two accuracies in percentage points ("+23.3 points"), not a relative "%"."""
    return f"{difference * 100:+.1f} points"


def explore_button(label_key: str, task: str, strategy: str, sample: int, corruption: dict[str, float] | None = None,
                   removed: list[str] | None = None) -> None:
    preset = Preset(sample, strategy, corruption=dict(corruption or {}), removed=tuple(removed or ()))
    st.button("Open in Explore", key=f"explore_{label_key}", on_click=open_in_explore, args=(task, preset),
              help=f"task {task}, {strategy} fusion, test sample {sample}")


@st.cache_data(show_spinner=False)
def shipped_accuracy() -> dict[tuple[str, str], float]:
    from fusion.training.shipped import shipped_models

    return {(row["task"], row["model"]): row["test accuracy"] for row in shipped_models()}


@st.cache_data(show_spinner="Finding a test row that shows it…")
def example_row(task: str, right: tuple[str, ...], wrong: tuple[str, ...]) -> int:
    """The first test row the ``right`` models get right and the ``wrong`` ones wrong (else row 0)."""
    from fusion.explain.examples import rows_where

    rows = rows_where(task_models(task, SHIPPED), get_task(task), right, wrong)
    return rows[0] if rows else 0


@st.cache_data(show_spinner="Finding the row whose contributions move most…")
def shift_row(strategy: str, corruption: tuple[tuple[str, float], ...]) -> int:
    from fusion.explain.examples import largest_shift

    levels = dict(corruption)
    return largest_shift(task_models("digits", SHIPPED)[strategy], get_task("digits"), levels, next(iter(levels)), SEARCHED_ROWS)


@st.cache_data(show_spinner="Computing Shapley values…")
def contribution_shift(strategy: str, sample: int, corruption: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    return shapley_shift(task_models("digits", SHIPPED)[strategy], sample, dict(corruption))


def facts() -> None:
    accuracy = shipped_accuracy()
    st.header("What the built-in data shows")
    st.caption("Test accuracy of the shipped models (digits at its standard corruption); computed from their recorded metrics.")
    fusion_beats_single_modalities(accuracy)
    late_fusion_at_chance(accuracy)
    contributions_shift()
    time_needs_frame_order(accuracy)
    reliance_by_group()
    interaction_lab()


def fusion_beats_single_modalities(accuracy: dict[tuple[str, str], float]) -> None:
    singles = {m: a for (t, m), a in accuracy.items() if t == "digits" and m in ("audio", "image", "text")}
    fused = {s: accuracy[("digits", s)] for s in ("early", "late", "hybrid") if ("digits", s) in accuracy}
    with st.container(border=True):
        st.subheader("1. Fusion beats every single modality (digits)")
        if singles and fused:
            best_single, best_single_acc = max(singles.items(), key=lambda kv: kv[1])
            beats = [s for s, a in fused.items() if a > best_single_acc]
            best_fused = max(fused, key=fused.get)
            cols = st.columns(len(fused) + len(singles))
            for col, (name, value) in zip(cols, [*fused.items(), *singles.items()]):
                col.metric(f"{name}{' (fusion)' if name in fused else ' only'}", f"{value:.1%}")
            st.markdown(
                f"The best single modality (**{best_single}**) reaches {best_single_acc:.1%}; "
                f"{', '.join(beats) if beats else 'no fusion strategy'} fusion beat{'s' if len(beats) == 1 else ''} it "
                f"(best: **{best_fused}**, {fused[best_fused]:.1%}, {points(fused[best_fused] - best_single_acc)}). "
                "The modalities carry complementary evidence."
            )
            explore_button("fusion", "digits", best_fused, example_row("digits", tuple(fused), tuple(singles)), removed=[])
        else:
            st.info("The shipped digits models are missing.")


def late_fusion_at_chance(accuracy: dict[tuple[str, str], float]) -> None:
    chance = get_task("match").chance
    match = {s: accuracy.get(("match", s)) for s in ("early", "late", "hybrid")}
    with st.container(border=True):
        st.subheader("2. Late fusion cannot see an interaction (match)")
        if all(v is not None for v in match.values()):
            cols = st.columns(4)
            for col, (name, value) in zip(cols, match.items()):
                col.metric(name, f"{value:.1%}", f"{points(value - chance)} vs chance", delta_color="off")
            cols[3].metric("chance", f"{chance:.0%}")
            late_at_chance = abs(match["late"] - chance) < AT_CHANCE
            others = [s for s in ("early", "hybrid") if match[s] - chance >= AT_CHANCE]
            st.markdown(
                f"*match* asks whether the spoken digit is the written one: the answer depends on both "
                f"modalities together. Late fusion scores {match['late']:.1%} against a chance of {chance:.0%} "
                f"({'at chance' if late_at_chance else 'not at chance'}): each of its networks sees one side only. "
                f"{' and '.join(others) or 'Neither early nor hybrid'} fusion, which combine the modalities before "
                f"deciding, reach {', '.join(f'{match[s]:.1%}' for s in others) or 'no better'}."
            )
            explore_button("match", "match", "late", example_row("match", tuple(others), ("late",)), removed=[])
        else:
            st.info("The shipped match models are missing.")


def contributions_shift() -> None:
    with st.container(border=True):
        st.subheader("3. Contributions shift when a modality is corrupted (digits)")
        strategy = "hybrid"
        try:
            sample = shift_row(strategy, tuple(sorted(CORRUPTED.items())))
            shift = contribution_shift(strategy, sample, tuple(sorted(CORRUPTED.items())))
        except Exception as error:  # noqa: BLE001 - the rest of the page stays
            show_error(error)
            return
        corrupted_modality = next(iter(CORRUPTED))
        before, after = shift["clean"]["shapley"], shift["corrupted"]["shapley"]
        st.plotly_chart(contribution_figure(shift, CORRUPTED), key="learn_contributions")
        top_before = max(before, key=before.get)
        top_after = max(after, key=after.get)
        st.markdown(
            f"Digits test sample {sample} (the row whose {next(iter(CORRUPTED))} loses the most of the first "
            f"{SEARCHED_ROWS} the model gets right; a spoken, written and captioned **{shift['label']}**), "
            f"shipped {strategy} model, modality Shapley values of P(digit {shift['label']}). Clean, {corrupted_modality} "
            f"contributes {before[corrupted_modality]:+.2f} and {top_before} contributes most ({before[top_before]:+.2f}); "
            f"with {corrupted_modality} corrupted to {CORRUPTED[corrupted_modality]:g}, {corrupted_modality} contributes "
            f"{after[corrupted_modality]:+.2f} and {top_after} leads ({after[top_after]:+.2f}). "
            f"P(digit {shift['label']}) goes from {shift['clean']['probability']:.1%} to "
            f"{shift['corrupted']['probability']:.1%}."
        )
        explore_button("shift", "digits", strategy, sample, corruption=CORRUPTED)


# ------------------------------------------------------------------------ video + text (motion)
@st.cache_data(show_spinner="Scoring the motion models on shuffled frames…")
def shuffled_accuracy(strategy: str) -> float:
    """Test accuracy of the shipped motion model with each clip's frames in a random order (measured here)."""
    from fusion.evaluation.accuracy import score

    model = task_models("motion", SHIPPED)[strategy]
    return score(model, get_task("motion").split(model, "test", condition="frames_shuffled"))["accuracy"]


@st.cache_data(show_spinner="Finding a motion row whose caption has the wrong direction…")
def direction_row(right: tuple[str, ...], wrong: tuple[str, ...]) -> int:
    """A test row the ``right`` models get right and the ``wrong`` ones wrong whose caption names the
    clip's digit but not its direction (only the frames' order says "no"); else the first such row."""
    from fusion.explain.examples import rows_where

    task = get_task("motion")
    rows = rows_where(task_models("motion", SHIPPED), task, right, wrong)
    for row in rows:
        facts = task.sample(row).facts
        if facts["video digit"] == facts["caption digit"] and facts["video direction"] != facts["caption direction"]:
            return row
    return rows[0] if rows else 0


def time_needs_frame_order(accuracy: dict[tuple[str, str], float]) -> None:
    chance = get_task("motion").chance
    motion = {s: accuracy.get(("motion", s)) for s in ("early", "late", "hybrid")}
    with st.container(border=True):
        st.subheader("4. Time needs the frames' order (motion: video + text)")
        if any(v is None for v in motion.values()):
            st.info("The shipped motion models are missing.")
            return
        best = max(("early", "hybrid"), key=motion.get)
        shuffled = shuffled_accuracy(best)
        cols = st.columns(5)
        for col, (name, value) in zip(cols, motion.items()):
            col.metric(f"motion {name}", f"{value:.1%}", f"{points(value - chance)} vs chance", delta_color="off")
        cols[3].metric(f"shuffled ({best})", f"{shuffled:.1%}", points(shuffled - motion[best]),
                       delta_color="off", help=f"the {best} model with each test clip's frames in a random order")
        cols[4].metric("motion chance", f"{chance:.0%}")
        st.markdown(
            f"*motion* asks whether a caption (\"a seven moving up\") describes a short clip of a moving digit. "
            f"Every frame shows the digit, but no single frame shows the direction: only the frames' **order** does. "
            f"Shuffling each test clip's frames keeps every frame and loses when each was shown; the best model "
            f"(**{best}**) then falls from {motion[best]:.1%} to {shuffled:.1%} "
            f"({points(shuffled - motion[best])}). Late fusion scores {motion['late']:.1%} against a chance "
            f"of {chance:.0%}: its video network sees the clip without the caption and its text network the caption "
            f"without the clip, so neither can tell whether they agree, and a mean of two guesses stays a guess. "
            "Early and hybrid fusion see both before deciding; in Explore the hybrid model's text → video "
            "cross-attention and the frames' Shapley values show which frames it read."
        )
        row = direction_row(tuple(s for s in ("early", "hybrid") if motion[s] - chance >= AT_CHANCE), ("late",))
        explore_button("motion", "motion", "hybrid", row, removed=[])


def reliance_by_group() -> None:
    """The reliance demonstration: models lean on the image for the accent whose audio is noise."""
    from fusion.training.demos import BASE_LEVELS, NOISY_ACCENT, NOISY_LEVELS, image_lean
    from fusion.viz.reliance import shares_by_group
    from ui.reliance import result

    with st.container(border=True):
        st.subheader("5. Where one modality is noise for a group, fusion leans on another (digits, by accent)")
        try:
            outcome = result("digits", SHIPPED, "accent", True)
        except Exception as error:  # noqa: BLE001 - the rest of the page stays
            show_error(error)
            return
        lean = image_lean(outcome)
        st.plotly_chart(shares_by_group(outcome.to_dict()), key="learn_reliance")
        shares = "; ".join(f"{s} {v['image_share']:.0%} against {v['others_image_share'][0]:.0%}–"
                           f"{v['others_image_share'][1]:.0%}" for s, v in lean.items())
        drops = "; ".join(f"{s} {v['audio_drop'] * 100:.0f} against {v['others_audio_drop'][0] * 100:.0f}–"
                          f"{v['others_audio_drop'][1] * 100:.0f}" for s, v in lean.items())
        st.markdown(
            f"Three small models (`python tools/build_reliance_demo.py`) were trained on digits with the "
            f"**{NOISY_ACCENT}** speakers' audio at corruption level {NOISY_LEVELS['audio']:g} (almost pure noise) and "
            f"every other speaker's at {BASE_LEVELS['audio']:g}. On the test split, the share of the image in their mean "
            f"|Shapley value| is, for {NOISY_ACCENT} against the other accents' range: {shares}. Shuffling the audio "
            f"across the test rows costs {NOISY_ACCENT} (accuracy points): {drops}. The models do not know the "
            "accent; they read that the audio is noise and turn to the image."
        )
        st.page_link("pages/reliance.py", label="Every group, interval and model on the Reliance page")


def methods() -> None:
    """What each explanation on Explore and Compare measures (the same words as beside the charts),
    with the deletion test's figures on the shipped models."""
    from fusion.viz.reading import READING

    st.header("What each explanation measures")
    for name in ("contributions", "attention", "faithfulness", "gradients", "emap"):
        with st.container(border=True):
            st.markdown(READING[name])
            if name == "faithfulness":
                faithfulness_table()


FAITHFULNESS_TASKS = ("digits", "match")  # the built-in tasks whose maps have a target (README)


def faithfulness_table() -> None:
    """The deletion test of every shipped fusion model's maps, read from disk (Compare and ``python -m
    fusion faithfulness`` measure it); a button measures the tasks that are missing."""
    from fusion.explain.faithfulness import NotMeasured, faithfulness_rows, task_faithfulness

    rows, missing = [], []
    for task in FAITHFULNESS_TASKS:
        try:
            figures = task_faithfulness(fusion_models(task), task, measure=False)
        except NotMeasured:
            missing.append(task)
            continue
        rows += [{"task": task, **row} for row in faithfulness_rows(figures)]
    if rows:
        st.dataframe(rows, hide_index=True, height=35 * (len(rows) + 1) + 3)  # every row, no scrolling
        st.caption("Measured on every test row; probabilities, so a drop of 0.1 is 10 percentage points.")
    if missing:
        st.caption(f"The deletion test has not been run on {' and '.join(missing)} yet (Compare runs it too).")
        if st.button("Run it now (about 30 s a task)", key="learn_faithfulness"):
            with st.spinner("Removing the most attended and random tokens of every test row…"):
                for task in missing:
                    task_faithfulness(fusion_models(task), task)
            st.rerun()


def fusion_models(task: str) -> dict:
    """The shipped fusion models of ``task`` (the maps the README's table and the command measure;
    Compare also has the unimodal ones)."""
    return {name: model for name, model in task_models(task, SHIPPED).items() if name in FUSION_STRATEGIES}


def interaction_lab() -> None:
    with st.container(border=True):
        st.subheader("6. Which kind of information a task needs: the interaction lab")
        st.markdown("Information about a label can be *redundant* (either modality tells it), *unique* (only one "
                    "does) or *synergistic* (only both together do). The lab builds tasks whose decomposition is "
                    "known exactly, trains early, late and hybrid fusion on them, and measures which kind each captures.")
        st.page_link("pages/lab.py", label="Open the interaction lab", icon=":material/science:")
