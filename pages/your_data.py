"""Your data: a dataset folder (or an uploaded zip) -> frozen encoders per modality -> fusion heads
trained in the background with progress -> open them in Explore. Render only: the work is in
fusion.userdata, fusion.embeddings and fusion.training.jobs; the widgets in ui/your_data.py."""

from __future__ import annotations

import streamlit as st

from fusion.deployment import deployment
from fusion.models.config import FUSION_STRATEGIES
from fusion.names import safe_name
from fusion.training.jobs import TrainingJob
from ui.session import demo_limits, session_job_running
from ui.state import show_error
from ui.text import plain
from ui.your_data import FOLDER_KEY, JOB_KEY, K, SWITCH_KEY, choose_encoder, chosen_folder, encoder_rows, progress_panel
from ui.your_data import read_manifest, unpack, uploader_key
from ui.frame import run_in_app_frame

run_in_app_frame()

if st.session_state.pop(SWITCH_KEY, False):
    st.switch_page("pages/explore.py")
settings = deployment()
st.title("Your data")
st.caption("Fuse your own images, audio and text with frozen pretrained encoders: a folder with a manifest.csv "
           "(see the README), or a zip of one. `python -m fusion export-avdigits DIR` writes an example.")
demo_limits(settings)
left, right = st.columns(2)
if not settings.demo:  # a public demo opens no server paths
    left.text_input("Dataset folder on this machine", key=FOLDER_KEY, placeholder="/path/to/folder with manifest.csv",
                    help=f"a folder under {settings.data_root} (FUSION_DATA_ROOT)")
with right if not settings.demo else left:
    upload = st.file_uploader("…or upload a zip of one" if not settings.demo else "Upload a zip of a dataset folder",
                              type=["zip"], key=uploader_key())
    if upload is not None:
        st.button("Unpack", key=f"{K}unpack", on_click=unpack, args=(upload,))
folder = chosen_folder()
if folder is None:
    st.info("Upload a zip to begin." if settings.demo else "Point at a dataset folder or upload a zip to begin.")
    st.stop()
try:
    manifest = read_manifest(folder)  # read again only when manifest.csv changes, with a progress bar
except Exception as error:  # noqa: BLE001 - a DatasetError says what is wrong with the folder
    show_error(error)
    st.stop()
report = manifest.report()
st.markdown(f"**{plain(report['name'])}**: {report['rows']} rows ({plain(', '.join(f'{k} {v}' for k, v in report['splits'].items()))}), "
            f"{len(report['classes'])} classes, modalities: {', '.join(report['modalities'])}"
            + (" · split made with seed 0" if report["seeded_split"] else ""))
for warning in report["warnings"]:
    st.warning(plain(warning))
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
run = cols[2].text_input("Run name", value=safe_name(manifest.name, length=40) + "-run", key=f"{K}run",
                         help="a plain folder name: letters, digits, '_', '.', '-'; an existing run is never overwritten")
running = (st.session_state.get(JOB_KEY) is not None and not st.session_state[JOB_KEY].done) or session_job_running()
if st.button("Encode and train", type="primary", disabled=running or not names, key=f"{K}start"):
    try:
        st.session_state[JOB_KEY] = TrainingJob.for_dataset(folder, encoders, names, run, epochs=int(epochs)).start()
    except Exception as error:  # noqa: BLE001 - e.g. a run name that is not a plain folder name
        show_error(error)
progress_panel()
