"""One colour per modality on every page: Compare's missing-modality bars use the modality specs'
colours, as Reliance's and Learn's charts and the architecture diagrams do."""

from __future__ import annotations

from fusion.modalities import get_modality
from fusion.viz.compare import missing_bars


def test_a_missing_modality_bar_has_its_modalitys_colour_and_all_present_its_own() -> None:
    fig = missing_bars({"early": 0.9}, {"early": {"audio": 0.5, "image": 0.6}}, ["audio", "image"])
    colours = {trace.name: trace.marker.color for trace in fig.data}
    assert colours["without audio"] == get_modality("audio").colour
    assert colours["without image"] == get_modality("image").colour
    assert colours["all present"] not in {get_modality(m).colour for m in ("audio", "image", "text", "video")}
