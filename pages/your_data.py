"""Your data: a dataset folder (or an uploaded zip) -> frozen encoders per modality -> fusion heads
trained in the background with progress -> open them in Explore. Render only: the work is in
fusion.userdata, fusion.embeddings and fusion.training.jobs."""

from __future__ import annotations

import re
import time
from pathlib import Path

import streamlit as st

from fusion.paths import datasets_dir
from fusion.models.config import FUSION_STRATEGIES
from fusion.training.jobs import FAILED, TrainingJob
from fusion.encoders import DEFAULT_ENCODERS, list_encoders
from fusion.userdata.manifest import load_manifest
from fusion.userdata.zips import extract_zip
from fusion.viz.training import training_curves_figure
from pages.common import SOURCE_KEY, TASK_KEY, cached_models, show_error

K = "data_"
JOB_KEY = f"{K}job"
FOLDER_KEY = f"{K}folder"
SWITCH_KEY = f"{K}open_explore"


def unpack(upload) -> None:
    """Unpack an uploaded zip into its own new folder under the datasets dir (refusing unsafe zips)."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(upload.name).stem)[:40] or "dataset"
    dest = datasets_dir() / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        st.session_state[FOLDER_KEY] = str(extract_zip(upload.getvalue(), dest, max_total_bytes=500_000_000))
    except Exception as error:  # noqa: BLE001 - shown; nothing was written
        show_error(error)


@st.cache_data(show_spinner=False, ttl=30)
def encoder_rows(modality: str) -> list[dict]:
    return [info.to_dict() for info in list_encoders(modality)]


def choose_encoder(modality: str) -> str | None:
    rows = encoder_rows(modality)
    names = [row["name"] for row in rows]
    default = DEFAULT_ENCODERS[modality]
    labels = {row["name"]: row["name"] + ("" if row["offline"] else "  (unavailable here)") for row in rows}
    choice = st.selectbox(modality, ["none", *names], index=1 + names.index(default) if default in names else 0,
                          format_func=lambda n: "leave it out" if n == "none" else labels[n], key=f"{K}enc_{modality}")
    row = next((r for r in rows if r["name"] == choice), None)
    if row is not None and not row["offline"]:
        st.warning(row["reason"] or "not available on this machine")
    return None if choice == "none" else choice


@st.fragment(run_every=1.0)
def progress_panel() -> None:
    job: TrainingJob | None = st.session_state.get(JOB_KEY)
    if job is None:
        return
    state = job.progress()
    st.progress(state.fraction, text=f"{state.phase}: {state.message} — {state.status}")
    if state.phase == "training" and state.records:
        st.plotly_chart(training_curves_figure(state.records, job.total_epochs), key=f"{K}curves")
    if state.results:
        st.dataframe([{"model": n, "test accuracy": m["accuracy"], "parameters": m["parameters"], "seconds": m["train_seconds"]}
                      for n, m in state.results.items()], hide_index=True)
    if not job.done:
        st.button("Stop", key=f"{K}stop", on_click=job.stop, help="stop after the current epoch")
        return
    if state.status == FAILED:
        st.error(state.message)
        return
    st.success(state.message)
    if state.results and st.button("Open in Explore", icon=":material/search:", key=f"{K}open",
                                  on_click=open_in_explore, args=(state.task, job.run_name)):
        st.rerun(scope="app")  # the page's top switches to Explore


def open_in_explore(task: str, run: str) -> None:
    """Button callback (runs before the sidebar widgets): choose the new dataset and run there."""
    cached_models.clear()
    st.session_state[TASK_KEY], st.session_state[SOURCE_KEY] = task, run
    st.session_state[SWITCH_KEY] = True


if st.session_state.pop(SWITCH_KEY, False):
    st.switch_page("pages/explore.py")
st.title("Your data")
st.caption("Fuse your own images, audio and text with frozen pretrained encoders: a folder with a manifest.csv "
           "(see the README), or a zip of one. `python -m fusion export-avdigits DIR` writes an example.")
left, right = st.columns(2)
with left:
    st.text_input("Dataset folder on this machine", key=FOLDER_KEY, placeholder="/path/to/folder with manifest.csv")
with right:
    upload = st.file_uploader("…or upload a zip of one", type=["zip"], key=f"{K}zip")
    if upload is not None and st.button("Unpack", key=f"{K}unpack"):
        unpack(upload)
folder = (st.session_state.get(FOLDER_KEY) or "").strip()
if not folder:
    st.info("Point at a dataset folder or upload a zip to begin.")
    st.stop()
try:
    manifest = load_manifest(folder)
except Exception as error:  # noqa: BLE001 - a DatasetError says what is wrong with the folder
    show_error(error)
    st.stop()
report = manifest.report()
st.markdown(f"**{report['name']}**: {report['rows']} rows ({', '.join(f'{k} {v}' for k, v in report['splits'].items())}), "
            f"{len(report['classes'])} classes, modalities: {', '.join(report['modalities'])}"
            + (" · split made with seed 0" if report["seeded_split"] else ""))
for warning in report["warnings"]:
    st.warning(warning)
if report["skipped"]:
    with st.expander(f"{len(report['skipped'])} rows skipped"):
        st.dataframe(report["skipped"], hide_index=True)

st.subheader("Encoders")
encoders = {}
for col, modality in zip(st.columns(len(manifest.modalities)), manifest.modalities):
    with col:
        encoders[modality] = choose_encoder(modality)
with st.expander("Every encoder, and why some are unavailable here"):
    st.dataframe([row for m in manifest.modalities for row in encoder_rows(m)], hide_index=True)

st.subheader("Train")
used = [m for m, name in encoders.items() if name]
choices = [*FUSION_STRATEGIES, *used] if len(used) > 1 else used
cols = st.columns([3, 1, 2])
names = cols[0].multiselect("Models", choices, default=choices, key=f"{K}names",
                            help="fusion strategies, and unimodal baselines (one modality each)")
epochs = cols[1].number_input("Epochs", 1, 200, 30, key=f"{K}epochs")
run = cols[2].text_input("Run name", value=re.sub(r"[^A-Za-z0-9_.-]+", "_", manifest.name).strip("._")[:40] + "-run",
                         key=f"{K}run", help="a plain folder name under your user folder")
running = st.session_state.get(JOB_KEY) is not None and not st.session_state[JOB_KEY].done
if st.button("Encode and train", type="primary", disabled=running or not names, key=f"{K}start"):
    try:
        st.session_state[JOB_KEY] = TrainingJob.for_dataset(folder, encoders, names, run, epochs=int(epochs)).start()
    except Exception as error:  # noqa: BLE001 - e.g. a run name that is not a plain folder name
        show_error(error)
progress_panel()
