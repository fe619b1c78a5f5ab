"""One rule for run and dataset names (fusion.names), used by the jobs, the catalog, the dataset
tasks and the CLI: no path separators, no '..', no control characters, not empty, not overlong."""

from __future__ import annotations

import pytest

from fusion.errors import ConfigError
from fusion.models.catalog import check_run_name, model_sources
from fusion.names import MAX_NAME_LENGTH, check_name, is_plain_name, safe_name
from fusion.tasks.dataset import dataset_task_name

REFUSED = {
    "x\n": "control character", "a\tb": "control character", "x\x00": "control character", "x\x85": "control",
    "a/b": "path separator", "a\\b": "path separator", "..": "'..'", "a..b": "'..'", "": "empty",
    "x" * (MAX_NAME_LENGTH + 1): "characters long", "shipped": "reserved", ".hidden": "letters, digits",
    "[x](http://e)": "path separator", "![t](e.png)": "letters, digits", "é": "letters, digits",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unsafe_names_are_refused_with_the_reason(name) -> None:
    with pytest.raises(ConfigError, match="not allowed") as refused:
        check_run_name(name)
    assert REFUSED[name] in str(refused.value)
    assert not is_plain_name(name)


@pytest.mark.parametrize("name", ["run-1", "a.b_c-d", "X" * MAX_NAME_LENGTH, "0"])
def test_plain_names_pass_unchanged(name) -> None:
    assert check_name(name) == name == check_run_name(name)


@pytest.mark.parametrize("text", ["x\n", "../../etc", "a/b\\c", "[x](http://e)", "..", "", "\x00" * 5, "é" * 100,
                                  "a" * 500, "shipped", "._x_."])
def test_safe_name_always_gives_a_plain_name(text) -> None:
    assert is_plain_name(safe_name(text))
    assert is_plain_name(dataset_task_name(text))


def test_a_run_folder_with_a_line_break_is_never_listed(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    for run in ("ok", "bad\n"):
        (tmp_path / run / "digits" / "early").mkdir(parents=True)
        (tmp_path / run / "digits" / "early" / "config.json").write_text("{}")
    assert model_sources("digits") == ["shipped", "ok"]
