"""train-all trains models side by side in worker processes: each gives the same weights as when
trained alone in this process (one torch thread, seeded), and the rows keep the order asked."""

from __future__ import annotations

from fusion.models.checkpoints import checkpoint_dir
from fusion.training.demos import DEMO_CHECKPOINTS
from fusion.training.shipped import retrain_shipped

WEIGHTS = "model.safetensors"


def test_a_model_trained_in_a_worker_process_equals_one_trained_here(tmp_path) -> None:
    early, late = (next(m for m in DEMO_CHECKPOINTS if m[1] == s) for s in ("early", "late"))  # small: seconds each
    alone = retrain_shipped(tmp_path / "alone", jobs=1, models=[late])
    pooled = retrain_shipped(tmp_path / "pooled", jobs=2, models=[late, early])
    assert [row["strategy"] for row in pooled] == ["late", "early"]
    assert pooled[0]["accuracy"] == alone[0]["accuracy"]
    assert ((checkpoint_dir(tmp_path / "alone", *late) / WEIGHTS).read_bytes()
            == (checkpoint_dir(tmp_path / "pooled", *late) / WEIGHTS).read_bytes())
