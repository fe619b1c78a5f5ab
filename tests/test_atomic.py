"""Whole-file writes (``fusion.atomic.write_text_atomic``): the result cache, the embedding cache's
encoder records and the recorded deletion tests all write through it."""

from __future__ import annotations

import pytest

from fusion import atomic


def test_a_file_is_replaced_whole_and_no_partial_file_is_left(tmp_path) -> None:
    path = tmp_path / "result.json"
    atomic.write_text_atomic(path, '{"value": 1}')
    atomic.write_text_atomic(path, '{"value": 2}')
    assert path.read_text(encoding="utf-8") == '{"value": 2}'
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path, monkeypatch) -> None:
    path = tmp_path / "result.json"
    atomic.write_text_atomic(path, "old")

    def broken(*_):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken)
    with pytest.raises(OSError):
        atomic.write_text_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert not list(tmp_path.glob(f"*{atomic.PARTIAL_SUFFIX}"))
