"""The one rule for names people give (run names) and names derived from their files (dataset task
names, unpacked zip folders): a plain folder name, safe on every file system and in every listing.

A name is 1-64 characters of letters, digits, ``_ . -``, starting with a letter or digit, never
``..`` and never a reserved name. ``check_name`` says exactly what is wrong (a path separator, a
control character, ...); ``safe_name`` turns any text into such a name (for derived names).
"""

from __future__ import annotations

import re

from fusion.errors import ConfigError

MAX_NAME_LENGTH = 64
SHIPPED = "shipped"  # the model source of the shipped checkpoints
RESERVED = frozenset({SHIPPED})
_ALLOWED = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def name_problem(name: object) -> str | None:
    """What makes ``name`` unusable as a name, or None when it is a plain name."""
    if not isinstance(name, str):
        return f"is a {type(name).__name__}, not text"
    if not name:
        return "is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long, more than {MAX_NAME_LENGTH}"
    if _CONTROL.search(name):
        return "has a control character (such as a line break)"
    if "/" in name or "\\" in name:
        return "has a path separator ('/' or '\\')"
    if ".." in name:
        return "has '..'"
    if name in RESERVED:
        return "is reserved"
    if not _ALLOWED.fullmatch(name):  # fullmatch: '$' would accept a trailing line break
        return "may only use letters, digits, '_', '.' and '-', starting with a letter or digit"
    return None


def is_plain_name(name: object) -> bool:
    return name_problem(name) is None


def check_name(name: object, what: str = "name") -> str:
    """``name`` itself when it is a plain name, else ConfigError naming the problem and the rule."""
    problem = name_problem(name)
    if problem is not None:
        raise ConfigError(f"{what} {name!r} is not allowed: it {problem}; use 1-{MAX_NAME_LENGTH} letters, "
                          f"digits, '_', '.' or '-' (not {', '.join(sorted(RESERVED))})")
    return name


def safe_name(text: str, default: str = "dataset", length: int = 60) -> str:
    """Any text as a plain name: unsafe runs of characters become '_', at most ``length`` long."""
    name = _UNSAFE.sub("_", text).strip("._")[:length].strip("._")
    while ".." in name:
        name = name.replace("..", ".")
    return name if is_plain_name(name) else default
