"""Reliance: accuracy per group (a speaker's accent, a dataset's group column) with intervals, how
much each group's predictions rest on each modality, and the largest gap between groups in words.
Render only; the numbers are in ui/reliance.py (from fusion.evaluation.reliance), the figures in
fusion.viz.reliance."""

from __future__ import annotations

import streamlit as st

from fusion.evaluation.reliance import SMALL_GROUP, describe_gap
from fusion.viz import reliance as viz
from ui import reliance as numbers
from ui.state import choice, current_source, current_task, section, show_error
from ui.frame import run_in_app_frame

run_in_app_frame()


def explanation(demo: bool) -> None:
    if demo:
        from fusion.training.demos import NOISY_ACCENT

        st.info(f"Three small digits models trained while the **{NOISY_ACCENT}** speakers' audio was almost pure "
                "noise (corruption level 1.0) and every other speaker's was clear (level 0.2): they learn to read the "
                f"image for {NOISY_ACCENT} and the audio for the rest. `python -m fusion reliance --demo` prints the "
                "same numbers; `python tools/build_reliance_demo.py` rebuilds the models.")
    st.markdown(
        "**Accuracy** is counted per group (fairlearn's `MetricFrame`), with a 95 % Wilson score interval. "
        "**Reliance**: for each test row, the exact modality Shapley values of the probability of the class the "
        "model predicts (a modality is removed with the model's own absent mask); a group's share of a modality "
        "is its mean |Shapley value| over the sum for all modalities. **Perceptual score**: how much accuracy "
        "falls when one modality is shuffled across the test rows (so it no longer belongs to the rest of the row). "
        f"Groups with fewer than {SMALL_GROUP} rows are marked * : their intervals are wide.")


def figures(outcome) -> None:
    report = outcome.to_dict()
    st.markdown(describe_gap(outcome))
    st.plotly_chart(viz.accuracy_by_group(report), key="reliance_accuracy")
    st.plotly_chart(viz.shares_by_group(report), key="reliance_shares")
    st.plotly_chart(viz.perceptual_bars(report), key="reliance_perceptual")


def table(outcome, name: str) -> None:
    st.subheader("The numbers")
    st.dataframe(outcome.table_rows(), hide_index=True)
    st.download_button("Download the table (CSV)", numbers.csv_bytes(outcome), file_name=f"reliance-{name}.csv",
                       mime="text/csv", key="reliance_csv")


def page() -> None:
    task, source = current_task(), current_source()
    st.title("Reliance across groups")
    data = choice("Models", [numbers.SIDEBAR, numbers.DEMO], key="reliance_data")
    demo = data == numbers.DEMO
    name = numbers.demo_task().name if demo else task
    columns = numbers.group_columns(task, source, demo)
    if not columns:
        st.info(f"Task `{task}` has no group columns, so there is nothing to compare between groups. The built-in "
                "`digits` and `match` rows carry the speaker's accent and voice; a dataset folder gets groups from a "
                "`group` or `group:NAME` column of its manifest.")
        return
    group_by = choice("Group by", list(columns), key="reliance_group_by")
    st.caption(f"Task `{name}` · models from `{'shipped' if demo else source}` · test split · fusion models only")
    explanation(demo)
    outcome = numbers.result(task, source, group_by, demo)
    section(figures, outcome)
    section(table, outcome, name)


try:
    page()
except Exception as error:  # noqa: BLE001 - shown; the sidebar and other pages keep working
    show_error(error)
