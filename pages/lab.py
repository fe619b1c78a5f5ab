"""Interaction lab: synthetic tasks whose partial information decomposition (PID) is known by
construction; small early, late and hybrid models trained on them; accuracy, EMAP, Shapley values
and the measured PID side by side with the truth. The logic is fusion/lab/, the figures
fusion/viz/lab.py, the widgets ui/lab.py."""

from __future__ import annotations

import streamlit as st

from fusion.viz.lab import captured_bars, lab_accuracy, lab_emap, pid_comparison, shapley_bars
from ui.lab import settings_choice, stored_result, task_choice, train_and_measure
from ui.state import section
from ui.frame import run_in_app_frame

run_in_app_frame()

st.title("Interaction lab: which information does a task hold?")
st.markdown(
    "Each row pairs a handwritten **0, 1 or 2** (image) with a spoken **zero, one or two** (audio, an unseen "
    "speaker at test time). The label (3 classes) is made from those two digits so that its information is "
    "known exactly: **redundancy** (both sides show the label), **uniqueness** (only the image does), "
    "**synergy** (label = (image digit + audio digit) mod 3: neither side alone says anything). A mix draws "
    "each row's mechanism at random with the weights below; the models are not told which."
)
mix = task_choice()
settings = settings_choice()
if st.button("Train and measure", type="primary", key="lab_run"):
    section(train_and_measure, mix, settings)
result = stored_result(mix, settings)
if result is None:
    st.info("Press **Train and measure**: three small models are trained (about a minute on 2 cores).")
    st.stop()

strategies = result["strategies"]
st.caption(f"{result['kind']}: {result['n']} test pairs, {result['settings']['epochs']} epochs per model, "
           f"{result['seconds']:.0f} s. Information in bits (BROJA, dit), accuracy as a fraction of test pairs.")
control = {"shuffled-label control": result["measured"]["control"]}
st.plotly_chart(pid_comparison({"truth": result["truth"], "measured": result["measured"], **control},
                               "The task's PID: truth vs measured from data"), key="lab_pid")
st.caption("Measured: k-means codes of unimodal encoders (one per side, trained on its digit), plug-in joint on the test pairs. "
           "The control shuffles the labels (truth 0 bits): what it shows is estimation bias.")
left, right = st.columns(2)
left.plotly_chart(lab_accuracy(strategies), key="lab_accuracy")
right.plotly_chart(lab_emap(strategies), key="lab_emap")
left.plotly_chart(shapley_bars(strategies), key="lab_shapley")
right.plotly_chart(captured_bars(strategies), key="lab_captured")
st.markdown(
    "Late fusion averages one probability vector per modality: on the synergy task (sum mod 3) that average puts "
    "1/3 on the true label on average whatever each side says, so its loss never beats a constant guess and it "
    "stays near chance (1/3); early and hybrid fusion see both digits at once. EMAP's non-additive share tells "
    "the same from the logits."
)
