"""Traditional → Simplified conversion for the *matching view* (OpenCC).

Why: encoders, dictionaries and jieba are trained mostly on Simplified Chinese; comparing a
Traditional source through its Simplified form makes it look like what they know. The
conversion never touches the text paralign outputs: a :class:`~paralign.text.document.Sentence`
keeps its original ``text`` and carries the conversion in ``norm``.

``tw2sp`` also rewrites Taiwan phrasing (軟體→软件, 網際網路→互联网), which can change the
length of the text; ``t2s`` converts character by character and (almost always) keeps it.
:func:`to_simplified_aligned` gives an offset map that is right in both cases.
"""

from __future__ import annotations

import functools

from .han import HAN_RUN

__all__ = ["CONVERSIONS", "converter", "to_simplified", "to_traditional", "to_simplified_aligned"]

CONVERSIONS = ("t2s", "tw2s", "tw2sp", "hk2s", "s2t", "s2tw", "s2twp", "t2tw")



@functools.cache
def converter(conversion: str):  # -> opencc.OpenCC
    """The OpenCC converter for ``conversion`` (``"t2s"``, ``"tw2sp"``, ...), loaded once."""
    if conversion not in CONVERSIONS:
        raise ValueError(f"unknown Chinese conversion {conversion!r}; use one of {CONVERSIONS}")
    import opencc

    return opencc.OpenCC(f"{conversion}.json")


@functools.cache
def char_converter_s2t():  # -> opencc.OpenCC
    """Simplified -> Traditional character by character (OpenCC's ``s2t`` without phrases).

    Script detection converts one character per line, where phrases never apply; ``s2t``
    itself loads its phrase dictionary (0.9 MB) for nothing, a tenth of a second of every
    process. Its character dictionaries are named here with absolute paths in a config
    file in the cache folder (OpenCC resolves dictionary files relative to the current
    folder and its build folder only); without a cache folder, ``s2t`` itself. Identical
    to ``s2t`` on every CJK character, one per line (tested).
    """
    import json
    import os

    import opencc

    from ..lazytable import file_stamp
    from ..paths import cache_file

    share = os.path.join(os.path.dirname(opencc.__file__), "clib", "share", "opencc")
    files = [os.path.join(share, f) for f in ("CJK_Compatibility_Ideographs.ocd2", "STCharacters.ocd2")]
    if not all(os.path.isfile(f) for f in files):
        return converter("s2t")
    path = cache_file(f"opencc-s2t-chars-{file_stamp(files)}.json")
    if path is None:
        return converter("s2t")
    config = {"name": "s2t characters (paralign)",
              "normalization": [{"dict": {"type": "ocd2", "file": files[0]}}],
              "conversion_chain": [{"dict": {"type": "ocd2", "file": files[1]}}]}
    text = json.dumps(config)
    try:
        with open(path, encoding="utf-8") as fh:
            fresh = fh.read() == text
    except OSError:
        fresh = False
    try:
        if not fresh:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        return opencc.OpenCC(path)
    except (OSError, RuntimeError):
        return converter("s2t")


def to_simplified(text: str, conversion: str = "tw2sp") -> str:
    """``text`` converted to Simplified Chinese with OpenCC's ``conversion``."""
    if not text:
        return text
    return converter(conversion).convert(text)


def to_traditional(text: str, conversion: str = "s2t") -> str:
    """``text`` converted to Traditional Chinese (used by script detection)."""
    if not text:
        return text
    return converter(conversion).convert(text)


def to_simplified_aligned(text: str, conversion: str = "t2s") -> tuple[str, list[int]]:
    """Convert ``text`` and return ``(converted, offsets)``.

    ``offsets`` has ``len(converted) + 1`` entries: ``offsets[j]`` is the position in
    ``text`` that character ``j`` of ``converted`` comes from, and the last entry is
    ``len(text)``; it is non-decreasing, so a span ``(a, b)`` of the converted text maps to
    the slice ``text[offsets[a]:offsets[b]]`` of the original.

    When the conversion keeps the length (the usual case for ``t2s``) the map is the
    identity. Otherwise each run of Han characters is converted on its own and, where a
    run's length changed (phrase conversion), its characters are mapped proportionally
    onto the original run, so token boundaries inside a rewritten phrase fall on run
    boundaries rather than in the wrong place.
    """
    out = to_simplified(text, conversion)
    if len(out) == len(text):
        return out, list(range(len(text) + 1))
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    conv = converter(conversion)
    for m in HAN_RUN.finditer(text):
        if m.start() > pos:  # non-Han text passes through unchanged
            parts.append(text[pos:m.start()])
            offsets.extend(range(pos, m.start()))
        # chunks bound the cost of the alignment below on pathological runs
        for c0 in range(m.start(), m.end(), _CHUNK):
            run = text[c0:min(c0 + _CHUNK, m.end())]
            new = conv.convert(run)
            parts.append(new)
            offsets.extend(c0 + k for k in _align_run(run, new))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
        offsets.extend(range(pos, len(text)))
    offsets.append(len(text))
    return "".join(parts), offsets


_CHUNK = 256


def _align_run(run: str, new: str) -> list[int]:
    """For each character of ``new`` (the conversion of ``run``), its index in ``run``.

    Characters that the character-level conversion and the phrase conversion agree on are
    matched one to one (difflib); rewritten stretches are mapped proportionally.
    """
    n, k = len(run), len(new)
    if n == k:
        return list(range(n))
    chars = to_simplified(run, "t2s")
    if len(chars) != n:
        return [(j * n) // k for j in range(k)]
    from difflib import SequenceMatcher

    # merge neighbouring non-equal opcodes (an insert next to a delete is one rewrite)
    ops: list[list[int | str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, chars, new, autojunk=False).get_opcodes():
        if tag != "equal" and ops and ops[-1][0] != "equal":
            ops[-1][2], ops[-1][4] = i2, j2
        else:
            ops.append([tag, i1, i2, j1, j2])
    out: list[int] = []
    for tag, i1, i2, j1, j2 in ops:  # type: ignore[misc]
        if tag == "equal":
            out.extend(range(i1, i2))
        elif j2 > j1:
            span = i2 - i1
            out.extend(min(i1 + ((j - j1) * span) // (j2 - j1), n - 1) for j in range(j1, j2))
    return out
