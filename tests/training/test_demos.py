"""The reliance demonstration: its shipped checkpoints reproduce their recorded metrics on the
demonstration's data, and the models lean on the image for the accent whose audio is noise and on
the audio for the others (the gap the README and the Learn page report)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusion.data import avdigits
from fusion.evaluation.accuracy import evaluate
from fusion.evaluation.reliance import reliance
from fusion.models.checkpoints import checkpoint_dir, read_metrics, shipped_root
from fusion.models.config import FUSION_STRATEGIES
from fusion.tasks import get_task
from fusion.training.demos import DEMO_CHECKPOINTS, DEMO_TASK, NOISY_ACCENT, NOISY_LEVELS, demo_models, image_lean
from tests.test_shipped import assert_same_metrics

LEAN = 0.15  # the noisy accent's image share exceeds every other accent's by at least this


@pytest.fixture(scope="module")
def models():
    return demo_models()


@pytest.fixture(scope="module")
def result(models):
    return reliance(DEMO_TASK, models, "accent", seeds=2)


def test_the_checkpoints_ship_beside_the_others_and_reproduce_their_metrics(models):
    assert [name for _, name in DEMO_CHECKPOINTS] == list(FUSION_STRATEGIES)
    for folder, name in DEMO_CHECKPOINTS:
        recorded = read_metrics(checkpoint_dir(shipped_root(), folder, name))
        measured = evaluate(models[name], task=DEMO_TASK)
        assert_same_metrics(measured, recorded)
        assert recorded["task"] == DEMO_TASK.name


def test_only_the_noisy_accents_audio_is_heavier():
    digits = get_task("digits")
    noisy = torch.from_numpy(DEMO_TASK.in_group("test"))
    assert int(noisy.sum()) == digits.group("accent").count(NOISY_ACCENT) > 0
    model = next(iter(demo_models("early").values()))
    demo, base = DEMO_TASK.split(model, "test"), digits.split(model, "test", DEMO_TASK.standard_corruption)
    assert torch.equal(demo.inputs["image"], base.inputs["image"])
    assert torch.equal(demo.inputs["audio"][~noisy], base.inputs["audio"][~noisy])
    assert not torch.equal(demo.inputs["audio"][noisy], base.inputs["audio"][noisy])
    heavy = {**DEMO_TASK.standard_corruption, **NOISY_LEVELS}
    assert torch.equal(digits.split(model, "test", heavy).inputs["audio"][noisy], demo.inputs["audio"][noisy])
    for row, levels in ((int(torch.nonzero(noisy)[0]), heavy), (int(torch.nonzero(~noisy)[0]), DEMO_TASK.standard_corruption)):
        alone = DEMO_TASK.sample(row)  # a row analysed alone is that row of the split
        expected = avdigits.load_task("digits", "test", levels)
        assert np.array_equal(alone.values["audio"], expected.audio[row])
        assert np.array_equal(alone.values["image"], expected.image[row]) and alone.label == int(demo.labels[row])


def test_the_models_lean_on_the_image_for_the_noisy_accent(result):
    groups = {g.group: g for g in result.groups}
    lean = image_lean(result)
    assert set(lean) == set(FUSION_STRATEGIES)
    for strategy in FUSION_STRATEGIES:
        noisy = groups[NOISY_ACCENT].strategies[strategy]
        others = [g.strategies[strategy] for name, g in groups.items() if name != NOISY_ACCENT]
        assert lean[strategy]["image_share"] == noisy.shapley_share["image"]
        assert lean[strategy]["others_image_share"][1] == max(o.shapley_share["image"] for o in others)
        assert noisy.shapley_share["image"] >= max(o.shapley_share["image"] for o in others) + LEAN, strategy
        # at full noise the audio still tells the clip's length (its padding is masked, not noise), so
        # the image need not lead outright: the lean is the gap to every other accent
        # scrambling the audio costs the noisy accent less than any other accent
        assert noisy.perceptual_score["audio"] < min(o.perceptual_score["audio"] for o in others), strategy
    assert max(lean[s]["others_image_share"][1] for s in ("early", "late")) < 0.5  # they lean on the audio elsewhere
