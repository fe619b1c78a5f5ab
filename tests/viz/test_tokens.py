"""Token figures of heads over encoders: per-token weights on a patch grid, along time, per word."""

from __future__ import annotations

import numpy as np

from fusion.viz.tokens import head_result_figures, token_weights_figure
from fusion.viz.explore import one_line

GRID = {"kind": "grid", "grid": [2, 3], "labels": [], "seconds": []}


def test_a_grid_is_stretched_over_the_picture_cell_by_cell() -> None:
    picture = np.zeros((20, 30, 3), dtype=np.uint8)
    figure = token_weights_figure([1, 2, 3, 4, 5, 6], GRID, "attention", picture)
    heatmap = figure.data[1]
    assert np.asarray(heatmap.z).shape == (2, 3)
    # cells of 10x10 pixels; the picture spans -0.5 .. 29.5 x -0.5 .. 19.5
    assert (heatmap.x0, heatmap.dx, heatmap.y0, heatmap.dy) == (4.5, 10.0, 4.5, 10.0)
    # the real weights on a 0..max scale with a colour bar, and how peaked the map is in the title
    assert np.asarray(heatmap.z).tolist() == [[1, 2, 3], [4, 5, 6]] and (heatmap.zmin, heatmap.zmax) == (0.0, 6.0)
    assert heatmap.showscale and "attention weight" in heatmap.colorbar.title.text
    assert "max 1.7× uniform" in one_line(figure.layout.title.text)


def test_signed_attributions_keep_their_sign_and_scale() -> None:
    figure = token_weights_figure([0.5, -2.0, 1.0], {"kind": "words", "labels": ["a", "b", "c"]}, "IG", signed=True)
    bar = figure.data[0]
    assert list(bar.x) == ["1. a", "2. b", "3. c"] and list(bar.y) == [0.5, -2.0, 1.0]
    grid = token_weights_figure([0.5, -2.0, 1.0, 0, 0, 0], GRID, "IG", signed=True, baseline="the mean embedding")
    assert "the mean embedding" in grid.data[0].hovertemplate and grid.data[0].zmin == -2.0 == -grid.data[0].zmax


def test_audio_tokens_are_labelled_by_their_start_time() -> None:
    layout = {"kind": "frames", "seconds": [[0.0, 0.1], [0.1, 0.2]]}
    assert list(token_weights_figure([1, 2], layout, "a").data[0].x) == ["1. 0.0 s", "2. 0.1 s"]


def test_a_pooled_embedding_has_no_map_but_its_share_is_said() -> None:
    assert token_weights_figure([0.3], {"kind": "single"}, "x") is None
    result = {"layouts": {"image": {"kind": "single"}}, "attention": {}, "integrated_gradients": {"image": 0.4},
              "integrated_gradients_maps": {"image": [0.3]}, "attention_note": "no attention here"}
    items = head_result_figures(result)
    assert items == {("gradients", "image"): "IG on image (pooled embedding): 40% of the attribution"}
