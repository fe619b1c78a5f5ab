"""The Your data page's widgets: unpacking an uploaded zip, choosing an encoder per modality, the
background job's progress, and opening the trained heads in Explore."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from fusion.encoders import DEFAULT_ENCODERS, list_encoders
from fusion.paths import datasets_dir
from fusion.training.jobs import FAILED, FINISHED, TrainingJob
from fusion.userdata.zips import extract_zip
from fusion.viz.training import training_curves_figure
from ui.state import SOURCE_KEY, TASK_KEY, cached_models, show_error

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
    (st.success if state.status == FINISHED else st.warning)(state.message)  # a stopped run is a warning
    if state.results and st.button("Open in Explore", icon=":material/search:", key=f"{K}open",
                                  on_click=open_in_explore, args=(state.task, job.run_name)):
        st.rerun(scope="app")  # the page's top switches to Explore


def open_in_explore(task: str, run: str) -> None:
    """Button callback (runs before the sidebar widgets): choose the new dataset and run there."""
    cached_models.clear()
    st.session_state[TASK_KEY], st.session_state[SOURCE_KEY] = task, run
    st.session_state[SWITCH_KEY] = True
