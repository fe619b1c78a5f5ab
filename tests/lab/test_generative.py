"""The lab's synthetic tasks: the truth of each kind by construction, and rows drawn as the process says."""

import numpy as np
import pytest

from fusion.errors import ConfigError
from fusion.evaluation.pid import decompose_samples
from fusion.lab.generative import KINDS, Mix, draw_pairs, generative_joint, parse_mix, pure, truth


@pytest.mark.parametrize("kind", KINDS)
def test_a_pure_kind_is_one_bit_of_its_atom(kind):
    result = truth(pure(kind))
    atoms = {"redundancy": result.redundancy, "uniqueness": result.uniqueness["image"], "synergy": result.synergy}
    assert atoms[kind] == pytest.approx(1.0, abs=1e-4)
    assert sum(atoms.values()) + result.uniqueness["audio"] == pytest.approx(1.0, abs=1e-4)


def test_the_joint_is_a_distribution_with_uniform_bits():
    joint = generative_joint(Mix(0.2, 0.3, 0.5))
    assert joint.sum() == pytest.approx(1.0)
    assert joint.sum(axis=(1, 2)) == pytest.approx([0.5, 0.5])
    assert joint.sum(axis=(0, 2)) == pytest.approx([0.5, 0.5])


def test_drawn_rows_follow_the_generative_joint():
    digits = np.array([0, 1] * 50)
    mix = Mix(1, 1, 1)
    image, audio, label = draw_pairs(digits, digits[::-1].copy(), mix, 40_000, np.random.default_rng(0))
    counts = np.zeros((2, 2, 2))
    np.add.at(counts, (digits[image], digits[::-1][audio], label), 1)
    assert counts / counts.sum() == pytest.approx(generative_joint(mix), abs=0.01)
    estimate = decompose_samples(digits[image], digits[::-1][audio], label, ("image", "audio"))
    assert estimate.synergy == pytest.approx(truth(mix).synergy, abs=0.02)


def test_only_rows_of_digits_0_and_1_are_drawn():
    digits = np.arange(10).repeat(3)
    image, audio, _ = draw_pairs(digits, digits, pure("redundancy"), 500, np.random.default_rng(1))
    assert set(digits[image]) | set(digits[audio]) <= {0, 1}
    assert np.array_equal(digits[image], digits[audio])  # redundancy: the clip shows the image's digit


def test_mixes_are_parsed_and_normalised():
    assert parse_mix("1,0,1").weights == (0.5, 0.0, 0.5)
    assert pure("synergy").label == "synergy"
    assert Mix(1, 1, 2).label == "mix 0.25,0.25,0.50"


@pytest.mark.parametrize("text", ["1,2", "a,b,c", "0,0,0", "-1,1,1", "1,1,nan"])
def test_bad_mixes_are_refused(text):
    with pytest.raises(ConfigError):
        parse_mix(text)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ConfigError, match="redundancy"):
        pure("interaction")
