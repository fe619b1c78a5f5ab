"""Learn: early, late and hybrid fusion, each drawn from the sidebar task's shipped model, and three
facts demonstrated on the built-in data (numbers computed from the shipped models, never typed in;
they are drawn by ui/learn.py)."""

from __future__ import annotations

import streamlit as st

from fusion.models.catalog import SHIPPED
from fusion.viz.architecture import architecture_figure
from ui.explore import SWITCH_KEY
from ui.learn import facts, methods
from ui.state import current_task, is_dataset_task, show_error, task_models
from ui.frame import run_in_app_frame

run_in_app_frame()

EXPLANATIONS = {
    "early": (
        "**Early fusion** combines low-level features of every modality *before* one shared network. "
        "This model concatenates every modality's tokens and reads them with one transformer (joint "
        "self-attention), so every layer can mix modalities from the start."
    ),
    "early, vector operator": (
        "**Early fusion** combines low-level features of every modality *before* one shared network. "
        "This model squeezes each modality's tokens to one vector, a fusion operator combines the vectors, and "
        "one network reads the result, so it can learn interactions between modalities from the start."
    ),
    "late": (
        "**Late fusion** gives each modality its own network, all the way to its own class prediction; a "
        "combiner then mixes the predictions. Modalities never see each other, so it is robust and easy to "
        "read, but it cannot learn anything that needs two modalities at once."
    ),
    "hybrid": (
        "**Hybrid fusion** first encodes each modality on its own, then lets each modality's tokens attend "
        "to the others (cross-modal attention); a decision mixes the fused head with the unimodal heads."
    ),
}


def architectures(task: str) -> None:
    st.header(f"Three ways to fuse — the shipped `{task}` models")
    st.caption("Each diagram is drawn from the model's modules: blocks are its layers with their class names and "
               "parameter counts; colours are modalities, grey blocks are shared; the red border marks where "
               "modalities meet.")
    try:
        models = task_models(task, SHIPPED)
    except Exception as error:  # noqa: BLE001
        show_error(error)
        return
    for strategy in ("early", "late", "hybrid"):
        with st.container(border=True):
            st.subheader(f"{strategy.capitalize()} fusion")
            model = models.get(strategy)
            if model is None:
                st.markdown(EXPLANATIONS[strategy])
                st.info(f"No shipped {strategy} model for task {task}.")
                continue
            vector = strategy == "early" and getattr(model.config, "operator", "concat") != "concat"
            st.markdown(EXPLANATIONS["early, vector operator" if vector else strategy])
            st.plotly_chart(architecture_figure(model), key=f"learn_arch_{strategy}")


if st.session_state.pop(SWITCH_KEY, False):
    st.switch_page("pages/explore.py")

st.title("Learn: early, late and hybrid fusion")
architectures("digits" if is_dataset_task(current_task()) else current_task())  # shipped models only
facts()
methods()
