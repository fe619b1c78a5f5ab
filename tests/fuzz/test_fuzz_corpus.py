"""Every file of the fuzz corpus (tools/make_fuzz_corpus.py, generated here) through every decoder
and loader: only FusionErrors or a successful decode, no hang, bounded memory.

The calls run in two subprocesses in parallel (``tools.fuzz_runner.run_corpus``), each with its
address space capped, so a runaway allocation fails the test instead of the machine. Nothing here is
timed: a call still running after ``HANG_SECONDS`` (120 s) counts as a hang, a guard that a loaded
machine cannot trip; how long the calls take is ``python -m benchmarks.fuzz``'s to report.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tools.fuzz_runner import HANG_SECONDS, run_corpus
from tools.make_fuzz_corpus import make_corpus

MAX_GROWTH_BYTES = 2**30  # what a worker may grow beyond its imports (the 36 Mpx PNG: ~350 MB)
pytestmark = pytest.mark.timeout(30 * 60)  # the records fixture runs every call: a hang guard only


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "corpus"
    assert make_corpus(root, seed=0) >= 300
    return root


@pytest.fixture(scope="module")
def records(corpus: Path, tmp_path_factory) -> list[dict]:
    return run_corpus(corpus, tmp_path_factory.mktemp("fuzz-logs"))


def _listing(records: list[dict], outcome: str) -> str:
    return "\n".join(f"{r['path']} {r['loader']}: {r.get('error')}: {r.get('message', '')[:300]}\n{r.get('trace', '')}"
                     for r in records if r["outcome"] == outcome)


def test_the_corpus_has_every_kind_of_file(corpus: Path) -> None:
    files = [p for p in corpus.rglob("*") if not p.is_dir()]
    assert len(files) >= 300
    for group, least in {"images": 80, "audio": 80, "text": 20, "manifests": 25, "zips": 25, "checkpoints": 100}.items():
        assert len(list((corpus / group).iterdir())) >= least, group


def test_every_file_is_decoded_or_refused_with_a_fusion_error_and_none_crashes(records: list[dict]) -> None:
    assert len(records) > 1500
    assert not _listing(records, "crash"), "crashes:\n" + _listing(records, "crash")


def test_no_call_hangs(records: list[dict]) -> None:
    assert not _listing(records, "hang"), f"still running after {HANG_SECONDS} s:\n" + _listing(records, "hang")


def test_memory_stays_bounded(records: list[dict]) -> None:
    worst = max(records, key=lambda r: r["grown"])
    assert worst["grown"] < MAX_GROWTH_BYTES, f"{worst['path']} {worst['loader']} grew the worker by {worst['grown'] / 2**20:.0f} MB"


def test_every_refusal_is_one_line_a_person_can_act_on(records: list[dict]) -> None:
    refused = [r for r in records if r["outcome"] == "refused"]
    bad = [(r["path"], r["loader"], r["message"]) for r in refused
           if not r["message"].strip() or "\n" in r["message"] or " at 0x" in r["message"] or len(r["message"]) > 600]
    assert not bad, bad[:10]


def test_the_valid_files_of_the_corpus_are_accepted(records: list[dict]) -> None:
    """The harness really decodes: what is valid gets through, and the hostile ones do not."""
    outcome = {(r["path"], r["loader"]): r["outcome"] for r in records}
    for image in ("images/valid_RGB.png", "images/valid_RGBA.webp", "images/valid_L.jpg", "images/valid_RGB.gif"):
        assert outcome[image, "decode_image_rgb"] == "ok", image
    for clip in ("audio/valid_mono16k.wav", "audio/valid_stereo44k.wav", "audio/valid_mono.flac",
                 "audio/valid_stereo.ogg", "audio/valid_mono.mp3"):
        assert outcome[clip, "decode_audio_clip"] == "ok", clip
    assert outcome["manifests/valid", "load_manifest"] == "ok"
    assert outcome["zips/valid.zip", "extract_zip"] == outcome["zips/valid_in_folder.zip", "extract_zip(bytes)"] == "ok"
    assert outcome["checkpoints/valid", "load_checkpoint"] == "ok"
    for hostile in (("audio/bomb_8ch_192k_600s.flac", "decode_audio"), ("images/huge_100000x100000.png", "decode_image"),
                    ("text/a_gigabyte.txt", "decode_text"), ("manifests/traversal", "load_manifest"),
                    ("zips/traversal.zip", "extract_zip"), ("zips/ratio_bomb.zip", "extract_zip"),
                    ("checkpoints/deep_nesting", "load_checkpoint"), ("checkpoints/width_0", "load_checkpoint"),
                    ("checkpoints/metrics_deep", "read_metrics"), ("checkpoints/record_deep", "read_dataset_record")):
        assert outcome[hostile] == "refused", hostile


def _digest(path: Path) -> str:
    if path.stat().st_size > 64 * 2**20:  # the sparse files over a limit: their size and start
        with path.open("rb") as handle:
            return f"{path.stat().st_size}:{handle.read(4096).hex()}"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): _digest(p) for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def test_the_corpus_is_the_same_for_the_same_seed(corpus: Path, tmp_path: Path) -> None:
    make_corpus(tmp_path / "again", seed=0)
    assert _digests(tmp_path / "again") == _digests(corpus)
