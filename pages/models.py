"""The shipped models and their recorded test metrics."""

import streamlit as st

from fusion.errors import FusionError
from fusion.training.shipped import shipped_models
from ui.frame import run_in_app_frame

run_in_app_frame()


@st.cache_data
def models_table() -> list[dict]:
    return shipped_models()


st.title("Fusion Explorer")
st.write(
    "Early, late and hybrid multimodal fusion on the built-in **AV-Digits** data: handwritten 8×8 digits, "
    "the spoken digit word, and a caption that says only part of the answer. Every model below was trained "
    "by `python -m fusion train-all` and ships in `assets/checkpoints/`; its test metrics were recorded beside it."
)
try:
    rows = models_table()
except FusionError as error:
    st.error(str(error))
else:
    for task in dict.fromkeys(row["task"] for row in rows):
        st.subheader(f"Task `{task}`")
        st.dataframe([row for row in rows if row["task"] == task], hide_index=True)
