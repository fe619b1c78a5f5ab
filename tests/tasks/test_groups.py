"""Groups through the Task API: AV-Digits rows carry the speaker's accent and voice family; a task
without groups says so; an unknown group column is refused with the known ones."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from fusion.data import avdigits
from fusion.errors import ConfigError
from fusion.paths import ASSETS
from fusion.tasks import get_task


def speakers() -> dict[int, dict[str, str]]:
    with (ASSETS / "avdigits" / "speakers.csv").open(newline="") as handle:
        return {int(row["speaker"]): row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("task", ["digits", "match"])
def test_every_row_carries_its_speakers_accent_and_voice_family(task):
    spec = get_task(task)
    assert spec.group_names() == ("accent", "voice")
    raw = avdigits.load_task(task, "test", corruption={})
    groups = spec.groups("test")
    table = speakers()
    assert len(groups["accent"]) == len(groups["voice"]) == len(raw) == spec.split_size("test")
    for speaker, accent, voice in zip(raw.speaker, groups["accent"], groups["voice"]):
        row = table[int(speaker)]
        assert accent == row["accent"]
        assert voice == {"m": "male", "f": "female", "k": "klatt"}[row["variant"][0]]
    assert len(set(groups["accent"])) == 8 and set(groups["voice"]) == {"male", "female", "klatt"}


def test_the_accents_follow_the_speaker_split():
    test_speakers = Counter(row["accent"] for row in speakers().values() if row["split"] == "test")
    rows = Counter(get_task("digits").group("accent", "test"))
    assert set(rows) == set(test_speakers)  # every test accent, and only those
    assert all(n >= 29 for n in rows.values())  # 30 rows per test speaker (±1 from the even spread)


@pytest.mark.parametrize(("variant", "family"), [("m1", "male"), ("f5", "female"), ("klatt", "klatt"), ("klatt3", "klatt")])
def test_voice_family(variant, family):
    assert avdigits.voice_family(variant) == family


def test_an_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="unknown espeak-ng variant 'x9'"):
        avdigits.voice_family("x9")


def test_a_task_without_groups_says_so():
    motion = get_task("motion")
    assert motion.group_names() == () and motion.groups("test") == {}
    with pytest.raises(ConfigError, match="task 'motion' has no group columns"):
        motion.group("accent")


def test_an_unknown_group_column_names_the_known_ones():
    with pytest.raises(ConfigError, match="no group column 'age'; choose one of: accent, voice"):
        get_task("digits").group("age")
