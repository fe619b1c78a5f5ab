"""The Your data page's widgets: the dataset folder (typed, or an uploaded zip unpacked), choosing
an encoder per modality, the background job's progress, and opening the trained heads in Explore.

Unpacking runs in the Unpack button's callback, before the folder field exists in the run (setting a
widget's value after it was drawn raises StreamlitWidgetAlreadyInstantiatedError). The upload's
bytes are then dropped from Streamlit's memory and the uploader starts afresh. Every name from a
file or a person is shown with ``ui.text.plain``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from fusion.deployment import ZIP_MAX_BYTES, check_data_folder, deployment, session_datasets_dir
from fusion.encoders import DEFAULT_ENCODERS, list_encoders
from fusion.training.jobs import FAILED, FINISHED, TrainingJob
from fusion.userdata.manifest import DatasetError, Manifest, cached_manifest
from fusion.userdata.uploads import unpack_upload
from fusion.viz.training import training_curves_figure
from ui.session import session_files
from ui.state import SOURCE_KEY, TASK_KEY, cached_models, show_error
from ui.text import plain

K = "data_"
JOB_KEY = f"{K}job"
FOLDER_KEY = f"{K}folder"  # the folder field (not in demo mode)
UNPACKED_KEY = f"{K}unpacked"  # the folder of the zip unpacked last (demo mode: the only source)
UPLOADS_KEY = f"{K}uploads"  # how many zips were unpacked: the uploader's key, so each starts empty
ERROR_KEY = f"{K}unpack_error"
SWITCH_KEY = f"{K}open_explore"


def uploader_key() -> str:
    return f"{K}zip_{st.session_state.get(UPLOADS_KEY, 0)}"


def unpack(upload) -> None:
    """Unpack button callback: the zip -> its folder (this session's, in demo mode), within quotas."""
    settings, files = deployment(), session_files()
    data = upload.getvalue()
    try:
        if files is not None and not files.take_upload(len(data), settings.upload_bytes):
            raise DatasetError(f"this session has uploaded {files.uploaded_bytes / 1e6:,.0f} MB; it may upload "
                               f"{settings.upload_bytes / 1e6:,.0f} MB in all. Reload the page to start afresh.")
        folder = unpack_upload(data, upload.name, session_datasets_dir(), ZIP_MAX_BYTES, settings.disk_bytes)
        st.session_state[UNPACKED_KEY] = str(folder)
        if not settings.demo:
            st.session_state[FOLDER_KEY] = str(folder)
    except Exception as error:  # noqa: BLE001 - shown on the page; nothing was written
        st.session_state[ERROR_KEY] = error
    finally:
        forget_upload(upload)


def forget_upload(upload) -> None:
    """Drop the upload's bytes from Streamlit's memory now (not when the session ends)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None:
        ctx.uploaded_file_mgr.remove_file(ctx.session_id, upload.file_id)
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1


def chosen_folder() -> Path | None:
    """The dataset folder to open: the unpacked zip in demo mode, else the folder field (checked
    against the data root); None when there is none yet. Errors are shown, then None."""
    error = st.session_state.pop(ERROR_KEY, None)
    if error is not None:
        show_error(error)
    if deployment().demo:
        unpacked = st.session_state.get(UNPACKED_KEY)
        return Path(unpacked) if unpacked and Path(unpacked).is_dir() else None
    text = (st.session_state.get(FOLDER_KEY) or "").strip()
    if not text:
        return None
    try:
        return check_data_folder(text)
    except Exception as error:  # noqa: BLE001 - a ConfigError names the allowed root
        show_error(error)
        return None


def read_manifest(folder: Path) -> Manifest:
    """The folder's manifest, read again only when manifest.csv changes; while its rows are checked
    (seconds for a large folder), a progress bar says how far along it is."""
    bar = st.empty()

    def show(line: int, lines: int) -> None:
        bar.progress(min(1.0, line / lines), text=f"reading the manifest: line {line:,} of {lines:,}")

    try:
        return cached_manifest(folder, on_progress=show)
    finally:
        bar.empty()


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
    st.progress(state.fraction, text=plain(f"{state.phase}: {state.message} — {state.status}"))
    if state.phase == "training" and state.records:
        st.plotly_chart(training_curves_figure(state.records, job.total_epochs), key=f"{K}curves")
    if state.results:
        st.dataframe([{"model": n, "test accuracy": m["accuracy"], "parameters": m["parameters"], "seconds": m["train_seconds"]}
                      for n, m in state.results.items()], hide_index=True)
    if not job.done:
        st.button("Stop", key=f"{K}stop", on_click=job.stop, help="stop after the current epoch")
        return
    if state.status == FAILED:
        st.error(plain(state.message))
        return
    (st.success if state.status == FINISHED else st.warning)(plain(state.message))  # a stopped run is a warning
    if state.results and st.button("Open in Explore", icon=":material/search:", key=f"{K}open",
                                  on_click=open_in_explore, args=(state.task, job.run_name)):
        st.rerun(scope="app")  # the page's top switches to Explore


def open_in_explore(task: str, run: str) -> None:
    """Button callback (runs before the sidebar widgets): choose the new dataset and run there."""
    cached_models.clear(task, run)  # this run's models only: other sessions keep theirs loaded
    st.session_state[TASK_KEY], st.session_state[SOURCE_KEY] = task, run
    st.session_state[SWITCH_KEY] = True
