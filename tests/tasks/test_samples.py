"""Samples from files: each modality through its spec, errors kept per modality, an empty caption absent."""

from __future__ import annotations

import json
from pathlib import Path

from fusion.cli import main
from fusion.tasks import decode_files

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def test_an_empty_caption_means_text_absent_with_a_notice() -> None:
    sample, errors = decode_files({"image": ASSETS / "digit.png", "text": "   "})
    assert sample.modalities == ["image"] and errors == {}
    assert any("text is empty" in w and "absent" in w for w in sample.warnings)


def test_a_bad_file_is_left_out_and_named_while_the_others_decode() -> None:
    sample, errors = decode_files({"image": ASSETS / "truncated.png", "text": "an even number"})
    assert sample.modalities == ["text"] and set(errors) == {"image"} and errors["image"]


def test_the_cli_explains_an_image_with_an_empty_caption_as_text_absent(capsys) -> None:
    assert main(["explain", "--task", "digits", "--image", str(ASSETS / "digit.png"), "--text", "", "--strategy", "late", "--json"]) == 0
    captured = capsys.readouterr()
    assert "text is empty" in captured.err
    assert set(json.loads(captured.out)["strategies"]["late"]["shapley"]) == {"image"}
