"""Decoding input bytes to text, with the encoding detected (files are read through
:func:`paralign.text.formats.read_file`).

Why a detector of our own: Chinese texts still come in Big5 (Taiwan, Hong Kong) and
GB18030/GBK (mainland) as often as in UTF-8, and the two legacy families overlap so much
that a Big5 file usually *decodes without error* as GB18030 (and often the reverse), giving
plausible-looking garbage. Strict trial decodes alone cannot tell them apart; a plausibility
score can: the right decoding yields almost only common Chinese characters and punctuation,
the wrong one a mix of rare ideographs, kana, bopomofo and private-use characters.
"""

from __future__ import annotations

import codecs
import functools
import logging

from ..errors import DecodeError
from .han import is_han

__all__ = ["decode"]

log = logging.getLogger("paralign.text")

_SAMPLE = 1 << 16  # bytes looked at for the binary test and the plausibility score
_MIN_PLAUSIBLE = 0.6  # least share of common characters a legacy decoding must reach


@functools.cache
def _common_chars() -> frozenset[str]:
    """Common Chinese characters of both scripts, plus CJK and typographic punctuation.

    Built from the encodings themselves: GB2312 level 1 (lead bytes 0xB0-0xD7) holds the
    3755 most frequent Simplified characters, Big5 0xA440-0xC67E the 5401 frequent
    Traditional ones. No data file needed.
    """
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):
        for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    chars = {c for c in chars if is_han(c)}  # ideographs only, no kana
    chars.update("，。、；：？！「」『』（）《》〈〉【】〔〕—…·‧“”‘’　０１２３４５６７８９％～．－／")
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # fullwidth ASCII forms
    chars.update(chr(c) for c in range(0x3000, 0x3020))  # CJK symbols and punctuation
    return frozenset(chars)


def _plausibility(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are common Chinese ones."""
    common = _common_chars()
    n = good = 0
    for ch in text:
        if ch < "\x80":
            continue
        n += 1
        good += ch in common
    return good / n if n else 1.0


def _latin_plausibility(text: str) -> float:
    """Share of the non-ASCII characters that are Latin-1 letters or typographic marks."""
    n = good = 0
    for ch in text:
        if ch < "\x80":
            continue
        n += 1
        good += ch.isalpha() and ch < "\u0250" or ch in "‘’“”–—…•€£©®°±·"
    return good / n if n else 1.0


def _is_binary(data: bytes) -> bool:
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 0x20 and b not in (9, 10, 12, 13, 27))
    return controls > max(2, len(sample) // 20)


def _utf16_guess(data: bytes) -> str | None:
    """BOM-less UTF-16: mostly-ASCII text has NULs in every other byte."""
    sample = data[: _SAMPLE & ~1]
    if len(sample) < 4 or len(data) % 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _name(source: str | None) -> str:
    return f"{source}: " if source else ""


def decode(data: bytes, source: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``.

    Supported: UTF-8 (with or without BOM), UTF-16/UTF-32 with BOM (UTF-16 without BOM
    when the NUL pattern makes it unmistakable), GB18030 (and so GBK and GB2312), Big5
    (with the cp950 and HKSCS extensions), and as a last resort cp1252 for Western text.

    Raises:
        DecodeError: binary data, or bytes that decode plausibly in no supported encoding;
            the message names ``source``.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DecodeError(f"{_name(source)}invalid UTF-8 after a UTF-8 BOM "
                              f"(byte {exc.start})") from None
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), ("utf-16-le" if bom == codecs.BOM_UTF16_LE else
                                          "utf-16-be" if bom == codecs.BOM_UTF16_BE else enc)
            except UnicodeDecodeError:
                continue  # e.g. FF FE 00 00 that is really UTF-16
    if not data:
        return "", "utf-8"
    if b"\x00" in data[:_SAMPLE]:
        enc = _utf16_guess(data)
        if enc:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                pass
            else:
                if not _is_binary(text[: _SAMPLE // 2].encode("utf-8", "surrogatepass")):
                    return text, enc
    if _is_binary(data):
        raise DecodeError(f"{_name(source)}looks like a binary file (NUL or control bytes), "
                          "not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    candidates: list[tuple[float, int, str, str]] = []
    for rank, family in enumerate((("gb18030",), ("big5", "cp950", "big5hkscs"))):
        for enc in family:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            score = _plausibility(text[:_SAMPLE])
            candidates.append((score, -rank, enc, text))
            break
    if candidates:
        score, _, enc, text = max(candidates)
        log.debug("decode %s: candidates %s", source or "<bytes>",
                  [(c[2], round(c[0], 3)) for c in candidates])
        if score >= _MIN_PLAUSIBLE:
            return text, enc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        if _latin_plausibility(text[:_SAMPLE]) >= 0.9:
            return text, "cp1252"
    raise DecodeError(
        f"{_name(source)}cannot decode: not UTF-8 (invalid byte at {utf8_error.start}), and "
        "no plausible GB18030, Big5 or cp1252 reading; convert the file to UTF-8")
