"""Explore: one sample (built-in or your own) through the early, late and hybrid fusion models."""

from __future__ import annotations

import random

import streamlit as st

from fusion.models.config import FUSION_STRATEGIES
from fusion.explain.analysis import explain_model, input_views
from fusion.formats import SAMPLE_RATE
from fusion.modalities import get_modality
from fusion.tasks import Sample, decode_files, get_task
from fusion.viz import explore as viz
from pages import explore_dataset
from pages.common import current_source, current_task, is_dataset_task, render_dataset_view, show_error, task_models

K = "explore_"  # widget key prefix
BUILT_IN, OWN = "built-in test sample", "my own files"


def level_key(task: str, kind: str, modality: str) -> str:
    return f"{K}level_{task}_{'builtin' if kind == BUILT_IN else 'own'}_{modality}"


def apply_preset(task: str) -> None:
    """The Learn page's preset, written into this page's widget keys before the widgets exist."""
    preset = st.session_state.pop(f"{K}preset", None) or {}
    if "sample" in preset:
        st.session_state[f"{K}kind"], st.session_state[f"{K}index"] = BUILT_IN, int(preset["sample"])
    if "strategy" in preset:
        st.session_state[f"{K}strategy"] = preset["strategy"]
    if "view" in preset:
        st.session_state[f"{K}view"] = preset["view"]
    for modality, level in preset.get("corruption", {}).items():
        st.session_state[level_key(task, BUILT_IN, modality)] = float(level)
    if "removed" in preset:
        for modality in get_task(task).modalities:
            st.session_state[f"{K}remove_{modality}"] = modality in preset["removed"]


@st.cache_data(show_spinner=False)
def split_size(task: str) -> int:
    return get_task(task).split_size("test")


@st.cache_data(show_spinner="Preparing the sample…", max_entries=64)
def prepare(task: str, index: int | None, uploads: tuple, levels: tuple, removed: tuple) -> tuple[Sample | None, dict, list[str]]:
    """(sample, preprocessed views, decode errors) for a built-in index or uploads ((modality, bytes|str), ...)."""
    spec, errors = get_task(task), []
    if index is not None:
        sample = spec.sample(index, corruption=dict(levels))
    else:
        decoded, failed = decode_files(dict(uploads))
        errors = [f"{modality}: {message}" for modality, message in failed.items()]
        sample = spec.corrupt(decoded, dict(levels)) if decoded.modalities else None
    if sample is not None:
        sample = sample.without(removed)
    return sample, (input_views(sample) if sample else {}), errors


@st.cache_data(show_spinner="Analysing…", max_entries=256)
def analyse(task: str, source: str, strategy: str, index: int | None, uploads: tuple, levels: tuple, removed: tuple) -> dict:
    sample = prepare(task, index, uploads, levels, removed)[0]
    return explain_model(task_models(task, source)[strategy], sample).to_dict(maps=True)


def choose_sample(task: str, modalities: tuple) -> tuple[str, int | None, tuple]:
    kind = st.radio("Sample", [BUILT_IN, OWN], key=f"{K}kind", horizontal=True)
    if kind == BUILT_IN:
        last = split_size(task) - 1
        st.session_state.setdefault(f"{K}index", 0)
        step = lambda d: st.session_state.update({f"{K}index": (st.session_state[f"{K}index"] + d) % (last + 1)})  # noqa: E731
        cols = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
        cols[0].number_input(f"test sample (0..{last})", 0, last, key=f"{K}index")
        cols[1].button("◀ prev", key=f"{K}prev", on_click=step, args=(-1,), width="stretch")
        cols[2].button("next ▶", key=f"{K}next", on_click=step, args=(1,), width="stretch")
        cols[3].button("random", icon=":material/casino:", key=f"{K}random", width="stretch",
                       on_click=lambda: st.session_state.update({f"{K}index": random.randint(0, last)}))
        return kind, int(st.session_state[f"{K}index"]), ()
    uploads, cols = [], st.columns(len(modalities))
    for col, modality in zip(cols, modalities):
        with col:
            if modality == "text":
                data = st.text_input("text (a caption)", key=f"{K}text") or None
            else:
                file = st.file_uploader(modality, type=list(get_modality(modality).upload_types), key=f"{K}upload_{modality}")
                if modality == "audio" and file is None:
                    file = st.audio_input("or record", key=f"{K}mic", sample_rate=SAMPLE_RATE)
                data = file.getvalue() if file is not None else None
            if data is not None:
                uploads.append((modality, data))
    return kind, None, tuple(uploads)


def modality_controls(task: str, kind: str, modalities: tuple) -> tuple[tuple, tuple]:
    levels, removed = [], []
    for col, modality in zip(st.columns(len(modalities)), modalities):
        key = level_key(task, kind, modality)
        st.session_state.setdefault(key, get_task(task).standard_corruption.get(modality, 0.0) if kind == BUILT_IN else 0.0)
        levels.append((modality, col.slider(f"{modality} corruption", 0.0, 1.0, step=0.05, key=key)))
        if col.toggle(f"remove the {modality}", key=f"{K}remove_{modality}"):
            removed.append(modality)
    return tuple(levels), tuple(removed)


def show_inputs(sample: Sample, views: dict) -> None:
    cols = st.columns(3)
    if "image" in views:
        cols[0].plotly_chart(viz.image_figure(views["image"]), key=f"{K}in_image")
    if "audio" in views:
        cols[1].plotly_chart(viz.spectrogram_figure(views["audio"]), key=f"{K}in_audio")
        cols[1].audio(sample.get("audio"), sample_rate=SAMPLE_RATE)
    if "text" in views:
        cols[2].plotly_chart(viz.token_figure(views["text"], title=f"text tokens of “{sample.get('text')}”"), key=f"{K}in_text")


def show_result(name: str, result: dict, views: dict, names: list, label: int | None, wide: bool) -> None:
    if "note" in result:
        st.info(result["note"])
        return
    p, attention, ig = result["predicted"], result["attention"], result["integrated_gradients_maps"]
    st.markdown(f"**{name}** predicts **{names[p]}** ({result['probabilities'][p]:.0%})")
    charts = [viz.probabilities_figure(result["probabilities"], p, names, label, title=f"{name}: probabilities"),
              viz.shapley_waterfall(result, names[result["target"]])]
    if "image" in attention:
        charts.append(viz.image_figure(views["image"], attention["image"], title="attention on the image"))
    if "audio" in attention:
        charts.append(viz.spectrogram_figure(views["audio"], attention["audio"], title="attention over audio frames"))
    if "text" in attention:
        charts.append(viz.token_figure(result["words"], attention["text"], title="attention on the words"))
    shares = result["integrated_gradients"]
    if "image" in ig:
        charts.append(viz.gradient_image_figure(ig["image"], shares["image"]))
    if "audio" in ig:
        charts.append(viz.gradient_spectrogram_figure(views["audio"], ig["audio"], shares["audio"]))
    if "text" in ig:
        charts.append(viz.gradient_words_figure(result["words"], ig["text"], shares["text"]))
    if result["attention_note"]:  # shown where the attention maps would be
        charts.insert(2, f"Attention: {result['attention_note']}")
    cols = st.columns(2) if wide else [st.container()]
    for i, item in enumerate(charts):
        if isinstance(item, str):
            cols[i % len(cols)].caption(item)
        else:
            cols[i % len(cols)].plotly_chart(item, key=f"{K}{name}_{i}")


task, source = current_task(), current_source()
if is_dataset_task(task):
    render_dataset_view(explore_dataset.render, task, source)
modalities = get_task(task).modalities
apply_preset(task)
st.title("Explore")
st.caption("One sample through three ways of fusing modalities: what each model predicts, where it looks, and what each modality contributes.")
kind, index, uploads = choose_sample(task, modalities)
levels, removed = modality_controls(task, kind, modalities)
try:
    sample, views, errors = prepare(task, index, uploads, levels, removed)
except Exception as error:  # noqa: BLE001 - shown, the page stays alive
    show_error(error)
    st.stop()
for message in errors:
    st.error(f"Could not read the {message}")
if sample is None:
    st.info("Upload an image or an audio clip, record one, or type a caption to analyse your own sample.")
    st.stop()
for warning in sample.warnings:
    st.warning(warning)
st.subheader("What the models see")
show_inputs(sample, views)
names = list(get_task(task).classes)
st.subheader("What the models make of it")
st.session_state.setdefault(f"{K}view", "single")
st.session_state.setdefault(f"{K}strategy", FUSION_STRATEGIES[0])
view = st.segmented_control("View", ["single", "side by side"], key=f"{K}view") or "single"
chosen = FUSION_STRATEGIES if view == "side by side" else [
    st.segmented_control("Fusion strategy", FUSION_STRATEGIES, key=f"{K}strategy") or FUSION_STRATEGIES[0]]
for strategy, col in zip(chosen, st.columns(len(chosen))):
    with col:
        try:
            result = analyse(task, source, strategy, index, uploads, levels, removed)
            show_result(strategy, result, views, names, sample.label, wide=len(chosen) == 1)
        except Exception as error:  # noqa: BLE001 - shown, the other columns stay alive
            show_error(error)
