"""The PID estimator on analytic cases (Williams & Beer; Bertschinger et al. 2014) and its identities."""

import numpy as np
import pytest

from fusion.errors import ConfigError
from fusion.evaluation.pid import decompose, decompose_samples, joint_counts, mutual_information


def table(function, bits=2) -> np.ndarray:
    """p(x1, x2, y) with x1, x2 uniform and independent on 0..bits-1 and y = function(x1, x2)."""
    outputs = [function(a, b) for a in range(bits) for b in range(bits)]
    joint = np.zeros((bits, bits, max(outputs) + 1))
    for a in range(bits):
        for b in range(bits):
            joint[a, b, function(a, b)] = 1.0
    return joint / joint.sum()


def test_xor_is_one_bit_of_synergy():
    result = decompose(table(lambda a, b: a ^ b), ("image", "audio"))
    assert result.synergy == pytest.approx(1.0, abs=1e-4)
    assert result.redundancy == pytest.approx(0.0, abs=1e-4)
    assert result.uniqueness == pytest.approx({"image": 0.0, "audio": 0.0}, abs=1e-4)


def test_copy_is_one_bit_of_redundancy():
    joint = np.zeros((2, 2, 2))
    joint[0, 0, 0] = joint[1, 1, 1] = 0.5  # y = x1 = x2
    result = decompose(joint)
    assert result.redundancy == pytest.approx(1.0, abs=1e-4)
    assert result.synergy == pytest.approx(0.0, abs=1e-4)
    assert max(result.uniqueness.values()) == pytest.approx(0.0, abs=1e-4)


def test_and_matches_the_literature():
    result = decompose(table(lambda a, b: a & b))
    assert result.redundancy == pytest.approx(0.3113, abs=1e-3)  # 3/4 log2(4/3) ... = 0.311 bits
    assert result.synergy == pytest.approx(0.5, abs=1e-3)
    assert max(result.uniqueness.values()) == pytest.approx(0.0, abs=1e-3)


def test_one_source_alone_is_unique_information():
    result = decompose(table(lambda a, b: a), ("image", "audio"))
    assert result.uniqueness["image"] == pytest.approx(1.0, abs=1e-4)
    assert result.uniqueness["audio"] + result.redundancy + result.synergy == pytest.approx(0.0, abs=1e-4)


def test_atoms_add_up_to_the_mutual_informations_of_a_random_distribution():
    joint = np.random.default_rng(0).random((3, 4, 2)) ** 3
    result = decompose(joint, ("a", "b"))
    assert result.redundancy + result.uniqueness["a"] == pytest.approx(mutual_information(joint, [0], [2]), abs=1e-4)
    assert result.redundancy + result.uniqueness["b"] == pytest.approx(mutual_information(joint, [1], [2]), abs=1e-4)
    atoms = result.redundancy + sum(result.uniqueness.values()) + result.synergy
    assert atoms == pytest.approx(mutual_information(joint, [0, 1], [2]), abs=1e-4) == pytest.approx(result.total)
    swapped = decompose(joint.transpose(1, 0, 2), ("b", "a"))
    assert swapped.uniqueness == pytest.approx(result.uniqueness, abs=1e-4)


def test_mutual_information_of_a_copy_and_of_independence():
    assert mutual_information(np.eye(4) / 4, [0], [1]) == pytest.approx(2.0)
    assert mutual_information(np.ones((3, 5)) / 15, [0], [1]) == pytest.approx(0.0)


def test_samples_make_the_plug_in_joint():
    x1, x2 = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    assert joint_counts(x1, x2, x1 ^ x2).sum() == 4
    result = decompose_samples(x1, x2, x1 ^ x2, ("image", "audio"))
    assert result.synergy == pytest.approx(1.0, abs=1e-4) and result.n == 4
    assert result.to_dict()["units"] == "bits"


def test_a_constant_target_holds_no_information():
    result = decompose_samples([0, 1, 2], [1, 0, 1], [0, 0, 0])
    assert (result.redundancy, result.synergy, result.total) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("joint", [np.ones((2, 2)), -np.ones((2, 2, 2)), np.full((2, 2, 2), np.nan), np.zeros((2, 2, 2)),
                                   np.ones((40, 40, 10))])
def test_bad_joints_are_refused(joint):
    with pytest.raises(ConfigError):
        decompose(joint)


def test_bad_samples_are_refused():
    with pytest.raises(ConfigError):
        decompose_samples([0, 1], [0], [1, 0])
    with pytest.raises(ConfigError):
        decompose_samples([-1], [0], [0])
