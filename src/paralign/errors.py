"""The exceptions paralign raises for problems the user can fix.

Each carries a message meant to be shown as is (the CLI prints it on one line), naming the
file or setting at fault and, where possible, what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ParalignError",
    "InputError",
    "DecodeError",
    "LanguageError",
    "EncoderError",
    "FormatError",
    "DependencyError",
    "ConfigError",
]


class ParalignError(Exception):
    """Base class of paralign's user-facing errors."""


class InputError(ParalignError, ValueError):
    """Input that cannot be aligned: empty, binary, one-sided."""


class DecodeError(InputError):
    """Bytes that decode in no supported encoding."""


class LanguageError(InputError):
    """A text in a language paralign was not asked for, or cannot tell."""


class EncoderError(ParalignError, RuntimeError):
    """An encoder that cannot be loaded (unknown name, model not on disk)."""


class FormatError(ParalignError, ValueError):
    """A malformed input file (TMX, TSV, .align), with the line at fault."""


class DependencyError(ParalignError, ImportError):
    """An optional library that a requested feature needs is not installed (the message
    names the extra that brings it, e.g. ``pip install 'paralign[formats]'``)."""


class ConfigError(ParalignError, ValueError):
    """A setting of :class:`~paralign.config.AlignConfig` of the wrong type or out of range."""
