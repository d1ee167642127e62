"""A reviewer's corrections of an alignment: the file the HTML report downloads.

LF Aligner's users review an alignment before they export it; paralign's report
(:mod:`paralign.report`) lets a reviewer merge two adjacent beads, split one, or mark one
wrong, and downloads the result as a *corrections file*. ``paralign apply`` (or
:func:`apply_corrections`) turns that file and the two texts back into an
:class:`~paralign.alignment.bead.Alignment` to export, and
:meth:`~paralign.corpus.ParallelCorpus.add` keeps it for those texts.

The file is JSON (UTF-8), version :data:`VERSION`::

    {"format": "paralign-corrections", "version": 1,
     "signature": "paralign 0.1.0|enc:use-m3|...",    # of the alignment that was reviewed
     "parallelism": 0.61,                             # optional, of that alignment
     "created": "2026-12-02T01:00:00Z",               # optional
     "source": {"tag": "zh-Hant", "file": "a.zh.txt", "sentences": 5, "sha256": "<hex>"},
     "target": {"tag": "en", "file": "a.en.txt", "sentences": 6, "sha256": "<hex>"},
     "beads": [{"src": [0], "tgt": [0], "score": 0.93, "origin": "aligner"},
               {"src": [1, 2], "tgt": [1, 2, 3], "score": 1.0, "origin": "merge"},
               {"src": [3], "tgt": [4], "score": 0.9, "origin": "wrong"}, ...]}

``beads`` is the whole corrected alignment, in order: 0-based sentence indices (each side's
run consecutive; together the beads cover every sentence of both sides once, as any
alignment does), the score, and the bead's ``origin``: ``"aligner"`` (as the aligner made
it), ``"merge"`` (the reviewer merged two beads into it), ``"split"`` (one part of a bead
the reviewer split) or ``"wrong"`` (the reviewer says its two sides are not translations of
each other). ``sha256`` is :func:`sentences_sha256` of a side: the hash of its segmented
sentences, so that a corrections file is never applied to other texts, nor to the same
texts segmented differently (other options, another paralign), where its indices would
point at other sentences.

Applied, a bead marked wrong becomes its two unpaired halves (``S-0`` and ``0-T``, origin
``"wrong"``): every export then does the right thing by itself (TMX and the plain line pairs
leave null beads out, TSV, JSONL and ``.align`` show them as unpaired).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import FormatError, InputError

if TYPE_CHECKING:
    from ..alignment.bead import Alignment, Bead
    from ..text.document import Document

__all__ = ["FORMAT", "VERSION", "ORIGINS", "EDITS", "SideInfo", "Corrections",
           "sentences_sha256", "load_corrections", "apply_corrections"]

FORMAT = "paralign-corrections"
VERSION = 1
#: every origin a bead can have; all but "aligner" are a reviewer's edits
ORIGINS = ("aligner", "merge", "split", "wrong")
EDITS = ORIGINS[1:]
_CORRECTED = re.compile(r"\|?corrections:[0-9a-f]{12}$")


def sentences_sha256(doc: Document | Sequence[str]) -> str:
    """SHA-256 (hex) of a document's sentence texts, in order, as a JSON array.

    The texts are the original ones (``Sentence.text``), so the matching view (OpenCC, which
    may change between versions) does not enter; the segmentation does.
    """
    texts = [s.text for s in doc.sentences] if hasattr(doc, "sentences") else list(doc)
    blob = json.dumps(texts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SideInfo:
    """What a corrections file knows of one side: enough to recognise its texts."""

    tag: str
    sentences: int
    sha256: str
    file: str | None = None

    @classmethod
    def of(cls, doc: Document) -> SideInfo:
        src = getattr(doc, "source", None)
        return cls(doc.tag, len(doc), sentences_sha256(doc),
                   os.path.basename(src) if src else None)

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "file": self.file, "sentences": self.sentences,
                "sha256": self.sha256}


@dataclass(frozen=True)
class Corrections:
    """A corrected alignment of two texts, as the reviewer left it (see the module doc)."""

    source: SideInfo
    target: SideInfo
    beads: tuple[Bead, ...]
    signature: str = ""
    parallelism: float = math.nan
    created: str | None = None

    # -- building -------------------------------------------------------------------------
    @classmethod
    def from_alignment(cls, al: Alignment, *, created: str | None = None) -> Corrections:
        """The corrections file of an alignment as it stands (every bead with its origin).

        The two unpaired halves that :meth:`apply` makes of a bead marked wrong are one
        wrong bead again, so that a file applied and read back is the file.
        """
        from ..alignment.bead import Bead

        beads: list[Bead] = []
        for b in al.beads:
            last = beads[-1] if beads else None
            if (last is not None and b.origin == last.origin == "wrong" and last.src
                    and not last.tgt and b.tgt and not b.src):
                beads[-1] = Bead(last.src, b.tgt, last.score, origin="wrong")
            else:
                beads.append(b)
        _check_beads(beads, len(al.src), len(al.tgt), "alignment")
        return cls(SideInfo.of(al.src), SideInfo.of(al.tgt), tuple(beads), al.signature or "",
                   float(al.parallelism), created)

    @classmethod
    def from_dict(cls, data: object, name: str = "corrections") -> Corrections:
        """Check a decoded corrections file; :class:`FormatError` naming what is wrong."""
        from ..alignment.bead import Bead

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise FormatError(f"{name}: not a paralign corrections file (no \"format\": "
                              f"\"{FORMAT}\"; it is downloaded from a paralign report)")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise FormatError(f"{name}: \"version\" must be a positive integer, got {version!r}")
        if version > VERSION:
            raise FormatError(f"{name}: corrections format version {version} is newer than "
                              f"this paralign reads (up to {VERSION}); upgrade paralign")
        sides = [_side(data.get(key), f"{name}: \"{key}\"") for key in ("source", "target")]
        raw = data.get("beads")
        if not isinstance(raw, list):
            raise FormatError(f"{name}: \"beads\" must be a list of beads")
        beads = tuple(_bead(b, f"{name}: bead {k + 1}", Bead) for k, b in enumerate(raw))
        _check_beads(beads, sides[0].sentences, sides[1].sentences, name)
        sig = data.get("signature", "")
        par = data.get("parallelism")
        created = data.get("created")
        if not isinstance(sig, str) or (created is not None and not isinstance(created, str)):
            raise FormatError(f"{name}: \"signature\" and \"created\" must be strings")
        if par is not None and (isinstance(par, bool) or not isinstance(par, numbers.Real)):
            raise FormatError(f"{name}: \"parallelism\" must be a number, got {par!r}")
        return cls(sides[0], sides[1], beads, sig, math.nan if par is None else float(par),
                   created)

    # -- writing --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        par = self.parallelism
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "signature": self.signature}
        if par == par:
            out["parallelism"] = par
        if self.created:
            out["created"] = self.created
        out["source"] = self.source.to_dict()
        out["target"] = self.target.to_dict()
        out["beads"] = [{"src": list(b.src), "tgt": list(b.tgt),
                         "score": None if b.score != b.score else float(b.score),
                         "origin": b.origin} for b in self.beads]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the file atomically (UTF-8)."""
        from .atomic import atomic_write

        with atomic_write(path) as fh:
            fh.write(self.to_json() + "\n")

    # -- reading --------------------------------------------------------------------------
    def edits(self) -> dict[str, int]:
        """How many beads each kind of edit left (``{"merge": 1, "split": 2, "wrong": 1}``)."""
        counts = {e: 0 for e in EDITS}
        for b in self.beads:
            if b.origin in counts:
                counts[b.origin] += 1
        return {k: v for k, v in counts.items() if v}

    def check_texts(self, src: Document, tgt: Document, name: str = "corrections") -> None:
        """Refuse texts other than those the corrections were made on (InputError)."""
        for label, info, doc in (("source", self.source, src), ("target", self.target, tgt)):
            where = f" ({doc.source})" if getattr(doc, "source", None) else ""
            made = f" (made on {info.file})" if info.file else ""
            if len(doc) != info.sentences:
                raise InputError(
                    f"{name}{made} is for other texts: its {label} has {info.sentences} "
                    f"sentence(s), the {label} given{where} has {len(doc)} (another text, or "
                    "read with other options than the report's)")
            if sentences_sha256(doc) != info.sha256:
                raise InputError(
                    f"{name}{made} is for other texts: the {label} given{where} has the same "
                    "number of sentences but not the same sentences")

    def apply(self, src: Document, tgt: Document, name: str = "corrections") -> Alignment:
        """The corrected alignment of ``src`` and ``tgt`` (checked to be the reviewed texts).

        A bead marked wrong becomes its two unpaired halves; every bead keeps its origin.
        The signature is the reviewed alignment's, with ``|corrections:<hash>`` appended.
        """
        from dataclasses import replace

        from ..alignment.bead import Alignment, Bead

        self.check_texts(src, tgt, name)
        beads: list[Bead] = []
        for b in self.beads:
            if b.origin == "wrong" and b.src and b.tgt:
                beads.append(Bead(b.src, (), b.score, origin="wrong"))
                beads.append(Bead((), b.tgt, b.score, origin="wrong"))
            else:
                beads.append(replace(b, src_text="", tgt_text=""))
        digest = hashlib.sha256(json.dumps(self.to_dict()["beads"]).encode()).hexdigest()[:12]
        base = _CORRECTED.sub("", self.signature)  # corrections applied again: one mark
        sig = f"{base}|corrections:{digest}" if base else f"corrections:{digest}"
        return Alignment(src, tgt, beads, signature=sig, parallelism=self.parallelism,
                         stats={"edits": self.edits()})


def _side(data: object, name: str) -> SideInfo:
    if not isinstance(data, dict):
        raise FormatError(f"{name} must be an object with tag, sentences and sha256")
    tag, n, sha, file = (data.get(k) for k in ("tag", "sentences", "sha256", "file"))
    if not isinstance(tag, str):
        raise FormatError(f"{name}: \"tag\" must be a language tag, got {tag!r}")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise FormatError(f"{name}: \"sentences\" must be a count, got {n!r}")
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise FormatError(f"{name}: \"sha256\" must be 64 hex digits, got {sha!r:.80}")
    if file is not None and not isinstance(file, str):
        raise FormatError(f"{name}: \"file\" must be a file name, got {file!r:.80}")
    return SideInfo(tag, n, sha, file)


def _indices(value: object, name: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value):
        raise FormatError(f"{name} must be a list of sentence numbers (0-based), got "
                          f"{value!r:.80}")
    return tuple(value)


def _bead(data: object, name: str, bead_cls: type[Bead]) -> Bead:
    if not isinstance(data, dict):
        raise FormatError(f"{name} must be an object with src, tgt, score and origin")
    src = _indices(data.get("src"), f"{name}: \"src\"")
    tgt = _indices(data.get("tgt"), f"{name}: \"tgt\"")
    score = data.get("score")
    if score is None:
        score = math.nan
    elif isinstance(score, bool) or not isinstance(score, numbers.Real) \
            or not 0.0 <= score <= 1.0:
        raise FormatError(f"{name}: \"score\" must be a number in [0, 1] or null, got {score!r}")
    origin = data.get("origin", "aligner")
    if origin not in ORIGINS:
        raise FormatError(f"{name}: \"origin\" must be one of {', '.join(ORIGINS)}, got "
                          f"{origin!r:.40}")
    if not src and not tgt:
        raise FormatError(f"{name} is empty (no sentence on either side)")
    return bead_cls(src, tgt, float(score), origin=origin)


def _check_beads(beads: Sequence[Bead], n_src: int, n_tgt: int, name: str) -> None:
    """Beads in order, each side consecutive, covering both sides exactly once."""
    s = t = 0
    for k, b in enumerate(beads):
        for side, idx, pos in (("source", b.src, s), ("target", b.tgt, t)):
            if idx and tuple(idx) != tuple(range(pos, pos + len(idx))):
                expected = f"sentence {pos}" if idx[0] != pos else "consecutive sentences"
                raise FormatError(f"{name}: bead {k + 1} has {side} sentences {list(idx)}, "
                                  f"expected {expected} next (beads must cover each side in "
                                  "order, once)")
        s += len(b.src)
        t += len(b.tgt)
    if (s, t) != (n_src, n_tgt):
        raise FormatError(f"{name}: the beads cover {s} source and {t} target sentence(s), "
                          f"the texts have {n_src} and {n_tgt}")


def load_corrections(path: str | os.PathLike[str]) -> Corrections:
    """Read and check a corrections file; one-line :class:`FormatError` when it is not one."""
    from ..files import read_bytes

    name = os.fspath(path)
    raw = read_bytes(path, "corrections")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FormatError(f"{name}: not a corrections file (not UTF-8 text: byte "
                          f"{exc.start})") from None
    except json.JSONDecodeError as exc:
        raise FormatError(f"{name}: not a corrections file (malformed JSON: {exc.msg} at line "
                          f"{exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise FormatError(f"{name}: not a corrections file (JSON nested too deeply)") from None
    return Corrections.from_dict(data, name)


def apply_corrections(corrections: Corrections | str | os.PathLike[str], src: Document,
                      tgt: Document) -> Alignment:
    """The corrected alignment of two segmented texts (a file name is loaded first).

    Raises :class:`~paralign.errors.InputError` when the texts are not those the
    corrections were made on.
    """
    name = "corrections"
    if not isinstance(corrections, Corrections):
        name = os.fspath(corrections)
        corrections = load_corrections(corrections)
    return corrections.apply(src, tgt, name)
