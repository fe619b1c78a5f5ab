"""The lab's synthetic tasks: the truth of each kind by construction, rows drawn as the process
says, and the ceiling of an additive (late-fusion) rule on the synergy task, by linear programming."""

from itertools import combinations

import numpy as np
import pytest
from scipy.optimize import linprog

from fusion.errors import ConfigError
from fusion.evaluation.pid import decompose_samples
from fusion.lab.generative import CLASSES, KINDS, LAB_DIGITS, Mix, draw_pairs, generative_joint, parse_mix, pure, truth

LOG2_3 = np.log2(3)


@pytest.mark.parametrize("kind", KINDS)
def test_a_pure_kind_is_one_bit_of_its_atom(kind):
    result = truth(pure(kind))
    atoms = {"redundancy": result.redundancy, "uniqueness": result.uniqueness["image"], "synergy": result.synergy}
    assert atoms[kind] == pytest.approx(LOG2_3, abs=1e-4)
    assert sum(atoms.values()) + result.uniqueness["audio"] == pytest.approx(LOG2_3, abs=1e-4)


def test_the_joint_is_a_distribution_with_uniform_digits():
    joint = generative_joint(Mix(0.2, 0.3, 0.5))
    assert joint.shape == (3, 3, 3) and joint.sum() == pytest.approx(1.0)
    assert joint.sum(axis=(1, 2)) == pytest.approx([1 / 3] * 3)
    assert joint.sum(axis=(0, 2)) == pytest.approx([1 / 3] * 3)


def test_the_synergy_label_is_the_sum_mod_3_and_neither_side_alone_informs_it():
    joint = generative_joint(pure("synergy"))
    for a in range(3):
        for b in range(3):
            assert joint[a, b, (a + b) % 3] == pytest.approx(1 / 9)
    assert joint.sum(axis=1) == pytest.approx(np.full((3, 3), 1 / 9))  # p(image digit, label): independent
    assert joint.sum(axis=0) == pytest.approx(np.full((3, 3), 1 / 9))  # p(audio digit, label): independent


def additive_cells(labels: np.ndarray, cells: tuple[tuple[int, int], ...]) -> bool:
    """Whether some additive rule argmax_y f(a, y) + g(b, y) (any real f, g: what late fusion's sum of
    per-modality scores can be) is strictly right on every (a, b) in ``cells``: a linear program
    (margin 1, since the rule is scale-free)."""
    n_a, n_b = labels.shape
    n_y = int(labels.max()) + 1
    size = (n_a + n_b) * n_y  # variables f[a, y] then g[b, y]
    rows = []
    for a, b in cells:
        y = labels[a, b]
        for other in range(n_y):
            if other != y:
                row = np.zeros(size)
                row[a * n_y + other] += 1
                row[(n_a + b) * n_y + other] += 1
                row[a * n_y + y] -= 1
                row[(n_a + b) * n_y + y] -= 1
                rows.append(row)
    result = linprog(np.zeros(size), A_ub=np.array(rows), b_ub=-np.ones(len(rows)), bounds=(None, None))
    return result.status == 0


def additive_ceiling(labels: np.ndarray) -> int:
    """The most cells of a deterministic label table ``labels[a, b]`` that one additive rule gets right."""
    grid = tuple(np.ndindex(*labels.shape))
    for size in range(len(grid), 0, -1):
        if any(additive_cells(labels, cells) for cells in combinations(grid, size)):
            return size
    return 0


def test_the_additive_ceiling_on_the_sum_mod_3_is_7_of_9_cells():
    """Late fusion averages one probability vector per modality, then takes the argmax: an additive
    rule (any additive-in-logits rule can be written so, after shifting and scaling its rows). On the
    sum mod 3 (uniform cells, so accuracy = cells / 9) the best such rule is right on 7 of 9 (0.778):
    **not** a bound below the issue's 0.6, so late fusion's low accuracy on this task is what its
    training finds (see the next test), not an impossibility. On a binary XOR the bound is 3 of 4."""
    joint = generative_joint(pure("synergy"))
    assert np.allclose(joint.max(axis=2), 1 / 9)  # deterministic, uniform cells
    assert additive_ceiling(joint.argmax(axis=2)) == 7
    assert additive_ceiling(np.array([[0, 1], [1, 0]])) == 3  # XOR: the known bound, as a check of the program


def test_every_averaging_model_gives_the_true_synergy_label_one_third_on_average():
    """For any per-modality probability vectors p_a, q_b, the mean (p_a + q_b) / 2 puts on average
    exactly 1/3 on the true label of the sum mod 3 (as b runs over 0, 1, 2 the label runs over every
    class), so by Jensen its cross-entropy is at least log 3, that of a constant guess: the loss a late
    model is trained on gives it nothing to gain over chance."""
    rng = np.random.default_rng(0)
    joint = generative_joint(pure("synergy"))
    labels = joint.argmax(axis=2)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(CLASSES), CLASSES), rng.dirichlet(np.ones(CLASSES), CLASSES)
        mean = (p[:, None, :] + q[None, :, :]) / 2
        true = np.take_along_axis(mean, labels[..., None], axis=2)[..., 0]
        assert true.mean() == pytest.approx(1 / 3)
        assert -np.log(true).mean() >= np.log(3) - 1e-12


def test_drawn_rows_follow_the_generative_joint():
    digits = np.array(list(LAB_DIGITS) * 50)
    mix = Mix(1, 1, 1)
    image, audio, label = draw_pairs(digits, digits[::-1].copy(), mix, 60_000, np.random.default_rng(0))
    counts = np.zeros((CLASSES,) * 3)
    np.add.at(counts, (digits[image], digits[::-1][audio], label), 1)
    assert counts / counts.sum() == pytest.approx(generative_joint(mix), abs=0.01)
    estimate = decompose_samples(digits[image], digits[::-1][audio], label, ("image", "audio"))
    assert estimate.synergy == pytest.approx(truth(mix).synergy, abs=0.02)


def test_only_rows_of_digits_0_1_and_2_are_drawn():
    digits = np.arange(10).repeat(3)
    image, audio, _ = draw_pairs(digits, digits, pure("redundancy"), 500, np.random.default_rng(1))
    assert set(digits[image]) | set(digits[audio]) == {0, 1, 2}
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
