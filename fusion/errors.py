"""Typed errors with messages a person can act on. The CLI prints them; the app shows them."""


class FusionError(Exception):
    """Base class: something the user can fix (the message says how)."""


class InputError(FusionError):
    """A sample (file, bytes, text) that cannot be decoded or validated."""


class CheckpointError(FusionError):
    """A checkpoint folder that is missing, incomplete or inconsistent."""


class ConfigError(FusionError):
    """An unknown name or an impossible combination of settings."""
