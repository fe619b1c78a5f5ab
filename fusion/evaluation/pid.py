"""Partial information decomposition (PID) of a discrete joint distribution p(x1, x2, y), in bits.

The information two sources carry about a target, I(X1, X2; Y), splits into redundancy (what
either source tells), uniqueness per source (what only that source tells) and synergy (what only
both together tell). The split is the BROJA measure (Bertschinger et al. 2014) as ``dit`` computes
it (``dit.pid.PID_BROJA``), with dit's exponential-cone solver (Makkeh et al. 2018, through
``ecos``) when it is installed: no optimiser of ours. Analytic cases, tested: XOR is 1 bit of
synergy, a copy (y = x1 = x2) 1 bit of redundancy, AND 0.311 bits of redundancy and 0.5 of synergy.

``dit`` takes seconds to import, so it is imported inside :func:`decompose`, never at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fusion.errors import ConfigError

ESTIMATOR = "BROJA (dit.pid.PID_BROJA)"
MAX_CELLS = 4096  # |X1| x |X2| x |Y| after dropping empty values: the cone program stays in seconds
NUMERICAL_FLOOR = 1e-6  # solver noise below this (in bits) is reported as 0


@dataclass(frozen=True)
class Decomposition:
    """I(X1, X2; Y) = redundancy + uniqueness[x1] + uniqueness[x2] + synergy, all in bits."""

    sources: tuple[str, str]
    redundancy: float
    uniqueness: dict[str, float]
    synergy: float
    total: float  # I(X1, X2; Y)
    n: int | None = None  # samples behind a plug-in estimate (None: an exact distribution)

    def to_dict(self, digits: int = 4) -> dict:
        result = {
            "redundancy": round(self.redundancy, digits),
            "uniqueness": {m: round(v, digits) for m, v in self.uniqueness.items()},
            "synergy": round(self.synergy, digits),
            "total": round(self.total, digits),
            "units": "bits",
            "estimator": ESTIMATOR if self.n is None else f"{ESTIMATOR} of the plug-in joint of {self.n} samples",
        }
        if self.n is not None:
            result["n"] = self.n
        return result


def mutual_information(joint: np.ndarray, axes_a: Sequence[int], axes_b: Sequence[int]) -> float:
    """I(A; B) in bits of a joint array, A and B given as disjoint lists of its axes (the rest is
    marginalised out)."""
    p = np.asarray(joint, dtype=np.float64)
    p = p / p.sum()
    keep = sorted([*axes_a, *axes_b])
    p = p.sum(axis=tuple(a for a in range(p.ndim) if a not in keep), keepdims=True)
    p_a = p.sum(axis=tuple(axes_b), keepdims=True)
    p_b = p.sum(axis=tuple(axes_a), keepdims=True)
    mask = p > 0
    return float(np.sum(p[mask] * np.log2(p[mask] / (p_a * p_b)[mask])))


def _check_joint(joint: np.ndarray) -> np.ndarray:
    p = np.asarray(joint, dtype=np.float64)
    if p.ndim != 3:
        raise ConfigError(f"a PID needs a joint p(x1, x2, y) as a 3-D array, got {p.ndim} dimensions")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
        raise ConfigError("a PID needs non-negative, finite probabilities that do not all vanish")
    p = p / p.sum()
    # values that never occur carry no information: dropping them keeps the program small
    p = p[p.sum(axis=(1, 2)) > 0][:, p.sum(axis=(0, 2)) > 0][:, :, p.sum(axis=(0, 1)) > 0]
    if p.size > MAX_CELLS:
        raise ConfigError(f"a PID over {p.shape[0]} x {p.shape[1]} x {p.shape[2]} values is too large "
                          f"(at most {MAX_CELLS} cells); use fewer clusters or classes")
    return p


def _solver() -> str:
    try:
        import ecos  # noqa: F401
    except ImportError:
        return "auto"
    return "cone"


def decompose(joint: np.ndarray, sources: tuple[str, str] = ("x1", "x2"), n: int | None = None) -> Decomposition:
    """The BROJA decomposition of ``joint[i, j, k] = p(x1=i, x2=j, y=k)`` (normalised here)."""
    import dit
    from dit.pid import PID_BROJA

    p = _check_joint(joint)
    cells = np.argwhere(p > 0)
    distribution = dit.Distribution([tuple(int(v) for v in c) for c in cells], [float(p[tuple(c)]) for c in cells])
    total = mutual_information(p, [0, 1], [2])
    if p.shape[2] == 1 or total < NUMERICAL_FLOOR:  # a constant target, or sources that say nothing
        return Decomposition(tuple(sources), 0.0, {s: 0.0 for s in sources}, 0.0, max(total, 0.0), n)
    pid = PID_BROJA(distribution, [[0], [1]], [2], method=_solver())

    def atom(*key: tuple[int, ...]) -> float:
        value = float(pid.get_pi(key))
        return 0.0 if value < NUMERICAL_FLOOR else value

    return Decomposition(
        sources=tuple(sources),
        redundancy=atom((0,), (1,)),
        uniqueness={sources[0]: atom((0,)), sources[1]: atom((1,))},
        synergy=atom((0, 1)),
        total=total,
        n=n,
    )


def joint_counts(x1: np.ndarray, x2: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Counts ``[|X1|, |X2|, |Y|]`` of integer-coded samples (values 0..max)."""
    x1, x2, y = (np.asarray(v, dtype=np.int64).reshape(-1) for v in (x1, x2, y))
    if not len(x1) == len(x2) == len(y) or len(y) == 0:
        raise ConfigError(f"a PID needs as many values of each variable, at least one (got {len(x1)}, {len(x2)}, {len(y)})")
    if min(x1.min(), x2.min(), y.min()) < 0:
        raise ConfigError("discrete values must be coded 0, 1, 2, ...")
    counts = np.zeros((x1.max() + 1, x2.max() + 1, y.max() + 1))
    np.add.at(counts, (x1, x2, y), 1.0)
    return counts


def decompose_samples(x1: np.ndarray, x2: np.ndarray, y: np.ndarray,
                      sources: tuple[str, str] = ("x1", "x2")) -> Decomposition:
    """The decomposition of the plug-in (empirical) joint of paired discrete samples. It is biased
    upwards for few samples per cell: compare with the same estimate on shuffled targets."""
    return decompose(joint_counts(x1, x2, y), sources, n=len(np.asarray(y).reshape(-1)))
