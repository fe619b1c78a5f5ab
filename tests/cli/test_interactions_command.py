"""`interactions --scale` (the command): the JSON says which scale the EMAP shares are on."""

from __future__ import annotations

import json

from fusion.cli import main


def test_interactions_reports_its_scale(capsys) -> None:
    shares = {}
    for scale in ("probability", "logit"):
        assert main(["interactions", "--task", "match", "--n", "6", "--scale", scale, "--json"]) == 0
        payload = json.loads(capsys.readouterr().out)
        assert payload["scale"] == scale
        assert all(row["scale"] == scale for row in payload["strategies"].values())
        shares[scale] = {name: row["emap_nonadditive_share"] for name, row in payload["strategies"].items()}
    assert shares["probability"]["late"] < 1e-9 < shares["logit"]["late"]  # the mean combiner adds probabilities
    assert main(["interactions", "--task", "match", "--n", "4"]) == 0
    assert "on the probability scale" in capsys.readouterr().out
