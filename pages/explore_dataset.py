"""Explore for heads trained on a dataset folder (the "Your data" path): a test row or your own
files, through each head; attention and Integrated Gradients per encoder token. Render only.
(Not a page: ``pages/explore.py`` calls ``render`` when the sidebar task is a dataset.)"""

from __future__ import annotations

import random

import streamlit as st

from fusion.models.config import FUSION_STRATEGIES
from fusion.embeddings.extract import encode_sample
from fusion.errors import InputError
from fusion.explain.analysis import explain_model
from fusion.models.catalog import run_model_names, source_root
from fusion.models.checkpoints import checkpoint_dir
from fusion.tasks import Sample
from fusion.tasks.dataset import task_from_checkpoints
from fusion.io import decode_image_rgb
from fusion.viz import explore as viz
from fusion.viz.tokens import head_result_figures, picture_figure
from pages.common import cached_dataset, show_error, task_models

K = "explore_data_"
ROW, OWN = "test row", "my own files"
UPLOAD_TYPES = {"image": ["png", "jpg", "jpeg", "bmp", "gif", "webp"], "audio": ["wav", "flac", "ogg", "mp3"]}


def encoder_names(task: str, source: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for model in task_models(task, source).values():
        names.update({e.modality: e.encoder for e in model.config.encoders})
    return names


@st.cache_data(show_spinner="Encoding your files…", max_entries=32)
def encode_uploads(task: str, source: str, uploads: tuple) -> tuple[dict, list[str]]:
    encoders, encodings, errors = encoder_names(task, source), {}, []
    for modality, data in uploads:
        try:
            encodings.update(encode_sample({modality: data}, encoders))
        except InputError as error:
            errors.append(str(error))
    return encodings, errors


@st.cache_data(show_spinner="Analysing…", max_entries=256)
def analyse(task: str, source: str, name: str, row: int | None, uploads: tuple, removed: tuple) -> dict:
    if row is None:
        valid = encode_uploads(task, source, uploads)[0]
        sample = Sample({m: data for m, data in uploads if m in valid})
    else:
        sample = task_from_checkpoints(run_folders(task, source)).sample(row)
    return explain_model(task_models(task, source)[name], sample.without(removed)).to_dict(maps=True)


def run_folders(task: str, source: str) -> list:
    return [checkpoint_dir(source_root(source), task, name) for name in run_model_names(task, source)]


def sample_encodings(task: str, source: str, row: int | None, uploads: tuple) -> dict:
    if row is None:
        return encode_uploads(task, source, uploads)[0]
    dataset = cached_dataset(task, source)
    index = dataset.rows("test")[row]
    return {m: column[index] for m, column in dataset.encodings.items() if column[index] is not None}


def choose_sample(task: str, source: str, modalities: list[str]) -> tuple[int | None, tuple]:
    kind = st.radio("Sample", [ROW, OWN], key=f"{K}kind", horizontal=True)
    if kind == ROW:
        last = len(cached_dataset(task, source).rows("test")) - 1
        st.session_state.setdefault(f"{K}row", 0)
        cols = st.columns([3, 1], vertical_alignment="bottom")
        cols[0].number_input(f"test row (0..{last})", 0, last, key=f"{K}row")
        cols[1].button("random", icon=":material/casino:", key=f"{K}random", width="stretch",
                       on_click=lambda: st.session_state.update({f"{K}row": random.randint(0, last)}))
        return int(st.session_state[f"{K}row"]), ()
    uploads = []
    for col, modality in zip(st.columns(len(modalities)), modalities):
        with col:
            if modality == "text":
                data = st.text_input("text", key=f"{K}text") or None
            else:
                file = st.file_uploader(modality, type=UPLOAD_TYPES[modality], key=f"{K}upload_{modality}")
                data = file.getvalue() if file is not None else None
            if data is not None:
                uploads.append((modality, data))
    return None, tuple(uploads)


def show_inputs(task: str, source: str, row: int | None, uploads: tuple) -> dict:
    """Draw the sample as given; returns the decoded picture (for overlays) under "image"."""
    shown: dict = {}
    files = dict(uploads)
    if row is not None:
        dataset = cached_dataset(task, source)
        manifest_row = dataset.manifest.rows[dataset.rows("test")[row]]
        files = {**{m: path.read_bytes() for m, path in manifest_row.files.items()},
                 **({"text": manifest_row.text} if manifest_row.text is not None else {})}
        st.caption(f"line {manifest_row.line} of manifest.csv · label **{manifest_row.label}**")
    cols = st.columns(3)
    if "image" in files:
        shown["image"] = decode_image_rgb(files["image"])
        cols[0].plotly_chart(picture_figure(shown["image"]), key=f"{K}in_image")
    if "audio" in files:
        cols[1].audio(files["audio"])
    if "text" in files:
        cols[2].markdown(f"> {files['text']}")
    return shown


def show_result(name: str, result: dict, classes: list[str], picture, label: int | None, wide: bool) -> None:
    if "note" in result:
        st.info(result["note"])
        return
    p = result["predicted"]
    st.markdown(f"**{name}** predicts **{classes[p]}** ({result['probabilities'][p]:.0%})")
    charts = [viz.probabilities_figure(result["probabilities"], p, classes, label, title=f"{name}: probabilities"),
              viz.shapley_waterfall(result, classes[result["target"]]), *head_result_figures(result, picture)]
    cols = st.columns(2) if wide else [st.container()]
    for i, item in enumerate(charts):
        target = cols[i % len(cols)]
        target.caption(item) if isinstance(item, str) else target.plotly_chart(item, key=f"{K}{name}_{i}")


def render(task: str, source: str) -> None:
    models = task_models(task, source)
    if not models:
        st.info(f"Run `{source}` holds no model of `{task}`; train one on the Your data page.")
        return
    first = next(iter(models.values())).config
    classes = list(first.classes)
    modalities = sorted(encoder_names(task, source))
    st.title("Explore")
    st.caption(f"Dataset `{task}` · heads from run `{source}` over frozen encoders "
               f"({', '.join(f'{m}: {n}' for m, n in encoder_names(task, source).items())})")
    row, uploads = choose_sample(task, source, modalities)
    removed = tuple(m for col, m in zip(st.columns(len(modalities)), modalities)
                    if col.toggle(f"remove the {m}", key=f"{K}remove_{m}"))
    if row is None:
        for message in encode_uploads(task, source, uploads)[1]:
            st.error(f"Could not read the {message}")
        if not uploads:
            st.info("Upload files or type a text to analyse your own sample.")
            return
    st.subheader("The sample")
    picture = show_inputs(task, source, row, uploads).get("image")
    label = None
    if row is not None:
        dataset = cached_dataset(task, source)
        label = dataset.manifest.label_index(dataset.manifest.rows[dataset.rows("test")[row]].label)
    st.subheader("What the heads make of it")
    fusion = [n for n in FUSION_STRATEGIES if n in models] or list(models)
    view = st.segmented_control("View", ["single", "side by side"], default="single", key=f"{K}view") or "single"
    chosen = fusion if view == "side by side" else [
        st.segmented_control("Model", list(models), default=fusion[0], key=f"{K}model") or fusion[0]]
    for name, col in zip(chosen, st.columns(len(chosen))):
        with col:
            try:
                show_result(name, analyse(task, source, name, row, uploads, removed), classes, picture, label,
                            wide=len(chosen) == 1)
            except Exception as error:  # noqa: BLE001 - shown, the other columns stay alive
                show_error(error)
