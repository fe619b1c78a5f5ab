"""The Lab page's widgets: which synthetic task, a training run with a progress bar fed by the
library's callback, and the results kept per (mix, settings) in the session."""

from __future__ import annotations

from dataclasses import astuple

import streamlit as st

from fusion.lab.experiment import LabSettings, run_lab
from fusion.lab.generative import KINDS, Mix, pure
from ui.state import choice

RESULT_KEY = "lab_result"
MIX = "mix"
PAIRS = (256, 512, 1077, 2048)  # training pairs per epoch


def task_choice() -> Mix:
    """A pure kind, or a mix from three sliders (weights of the hidden mechanisms)."""
    kind = choice("Task", [*KINDS, MIX], key="lab_kind", help="what the label needs: the digit both sides show "
                  "(redundancy), the image's own digit (uniqueness), (image digit + audio digit) mod 3 (synergy), or a mix")
    if kind != MIX:
        return pure(kind)
    columns = st.columns(3)
    weights = [column.slider(f"{kind} weight", 0.0, 1.0, 1.0 / 3, 0.05, key=f"lab_{kind}")
               for column, kind in zip(columns, KINDS)]
    if sum(weights) == 0:
        st.warning("All three weights are 0; using an equal mix.")
        weights = [1.0, 1.0, 1.0]
    return Mix(*weights)


def settings_choice() -> LabSettings:
    columns = st.columns(3)
    epochs = columns[0].slider("Epochs per model", 1, 20, LabSettings.epochs, key="lab_epochs")
    pairs = columns[1].select_slider("Training pairs per epoch", PAIRS, LabSettings.train_rows, key="lab_pairs")
    seed = columns[2].number_input("Seed", 0, 10_000, 0, key="lab_seed")
    return LabSettings(epochs=epochs, train_rows=pairs, seed=int(seed))


def train_and_measure(mix: Mix, settings: LabSettings) -> None:
    """Run the lab with a progress bar; the result is kept in the session under its inputs."""
    bar = st.progress(0.0, text="starting")
    result = run_lab(mix, settings, progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
    bar.empty()
    st.session_state[RESULT_KEY] = {"inputs": (mix.weights, astuple(settings)), "result": result}


def stored_result(mix: Mix, settings: LabSettings) -> dict | None:
    """The session's last result, if it was computed for these inputs."""
    stored = st.session_state.get(RESULT_KEY)
    if stored and stored["inputs"] == (mix.weights, astuple(settings)):
        return stored["result"]
    return None
