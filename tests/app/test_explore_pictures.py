"""Explore's default charts are pictures drawn on the server (fast to show); the "interactive charts"
switch brings back Plotly. Both state the same titles (the numbers in them: how peaked each map is),
for the same sample, in the same places."""

from __future__ import annotations

import re

from tests.app.test_explore import explore, titles


def picture_titles(at) -> list[str]:
    """The titles printed above the pictures (bold captions), as text."""
    return [re.sub(r"\\(.)", r"\1", c.value[2:-2]) for c in at.caption if c.value.startswith("**") and c.value.endswith("**")]


def test_the_default_charts_are_pictures_with_the_titles_of_the_interactive_ones() -> None:
    pictures = explore(explore_interactive=False)
    assert not pictures.exception and not pictures.error, [e.value for e in pictures.error]
    assert not pictures.get("plotly_chart")
    # 3 inputs + per strategy: probabilities, contributions and the audio, image and text attention maps
    assert len(pictures.get("image")) == 3 + 3 * 5
    interactive = explore()  # the same first sample, Plotly charts
    assert not interactive.get("image") and len(interactive.get("plotly_chart")) == 3 + 3 * 5
    assert picture_titles(pictures) == titles(interactive)
    assert any("max " in t and "× uniform, entropy " in t for t in picture_titles(pictures))  # how flat each map is

    switch = pictures.toggle(key="explore_interactive")
    assert switch.label == "interactive charts" and switch.value is False
    switch.set_value(True).run()
    assert not pictures.exception and len(pictures.get("plotly_chart")) == 18 and not pictures.get("image")


def test_integrated_gradients_pictures_say_their_baseline_under_them() -> None:
    at = explore(explore_interactive=False, explore_gradients=True)
    assert not at.exception and not at.error
    ig = [t for t in picture_titles(at) if t.startswith("IG on")]
    assert sorted(t.split(" — ")[0] for t in ig) == sorted(f"IG on {m}" for m in ("audio", "image", "text") for _ in range(3))
    assert len(at.get("image")) == 3 + 3 * 8
    captions = [caption for img in at.get("image") for caption in img.captions]
    assert sum(c.startswith("attribution measured from the baseline: ") for c in captions) == 9
