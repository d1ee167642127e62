"""Beads and alignments (paralign.alignment.bead): index conversion and its errors, the
aligner's fast bead maker against the public constructor, and how an Alignment fills texts."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, dataclass, field

import numpy as np
import pytest

from paralign.alignment.bead import Alignment, Bead, made_bead
from paralign.text.document import Document, Sentence


def _reference(indices):
    """Bead's conversion as it was written before (a generator per side)."""
    return tuple(int(i) for i in indices)


# indices given to Bead, as values or as bad input
INDICES = [
    (1, 2),
    (),
    [3, 4, 5],
    range(2, 5),
    (np.int64(7), np.int32(8)),
    np.array([1, 2], np.int64),
    (1.9, 2.0),          # int() truncates: kept as it was
    ("3", "4"),          # int() of digit strings: kept as it was
    (True,),
    ("a",),              # ValueError
    (None,),             # TypeError
    5,                   # TypeError: not iterable
    None,                # TypeError: not iterable
    (1.5j,),             # TypeError
    (float("nan"),),     # ValueError
]


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # noqa: BLE001 - the outcome compared is the error itself
        return (type(exc), str(exc))


@pytest.mark.parametrize("indices", INDICES, ids=repr)
def test_bead_converts_indices_as_before(indices):
    want = _outcome(_reference, indices)
    for side in ("src", "tgt"):
        args = (indices, ()) if side == "src" else ((), indices)
        got = _outcome(lambda: getattr(Bead(*args), side))
        assert got == want
        if want[0] == "ok":
            assert all(type(i) is int for i in got[1])


# (src, tgt, score, src_text, tgt_text, origin) as the aligner and Alignment make them
MADE = [
    ((0,), (0,), 0.9, "", "", "aligner"),
    ((1, 2), (), 0.5, "", "", "aligner"),
    ((), (3,), 0.5, "", "", "aligner"),
    ((4, 5, 6), (7, 8), 0.1234, "甲乙", "A B", "aligner"),
    ((9,), (10,), 1.0, "x", "", "merge"),
    ((11,), (12,), float("nan"), "", "y", "wrong"),
]


@pytest.mark.parametrize("row", MADE, ids=repr)
def test_made_bead_is_the_bead_the_constructor_makes(row):
    src, tgt, score, st, tt, origin = row
    made = made_bead(src, tgt, score, st, tt, origin)
    built = Bead(src, tgt, score, st, tt, origin)
    assert type(made) is Bead
    assert repr(made) == repr(built)
    for f in dataclasses.fields(Bead):
        a, b = getattr(made, f.name), getattr(built, f.name)
        assert type(a) is type(b) and (a == b or (a != a and b != b)), f.name
    if score == score:
        assert made == built and hash(made) == hash(built)
    assert made.key() == built.key() and made.kind == built.kind
    with pytest.raises(FrozenInstanceError):
        made.score = 0.0  # type: ignore[misc]
    assert dataclasses.replace(made, score=0.3) == Bead(src, tgt, 0.3)


def test_made_bead_defaults_are_the_constructors():
    assert repr(made_bead((1,), (2,), 0.5)) == repr(Bead((1,), (2,), 0.5))


@dataclass(frozen=True, slots=True)
class _TaggedBead(Bead):
    tag: str = field(default="t", compare=False)


def _docs():
    src = Document(tuple(Sentence(t) for t in ["甲。", "乙。", "丙。"]), lang="zh", script="Hans")
    tgt = Document(tuple(Sentence(t) for t in ["A.", "B.", "C."]), lang="en", script="Latn")
    return src, tgt


# beads given to an Alignment -> (src_text, tgt_text, type) of each bead it keeps
FILLS = [
    ([Bead((0,), (0,), 0.9)], [("甲。", "A.", Bead)]),
    ([Bead((0, 1), (0,), 0.4), Bead((2,), (), 0.5), Bead((), (1, 2), 0.5)],
     [("甲。乙。", "A.", Bead), ("丙。", "", Bead), ("", "B. C.", Bead)]),
    ([Bead((0,), (0,), 0.9, "given", "")], [("given", "", Bead)]),   # texts kept
    ([Bead((0,), (0,), 0.9, "", "given")], [("", "given", Bead)]),
    ([_TaggedBead((1,), (1,), 0.7, tag="x")], [("乙。", "B.", _TaggedBead)]),  # subclass
]


@pytest.mark.parametrize("beads,want", FILLS)
def test_alignment_fills_texts(beads, want):
    src, tgt = _docs()
    given = list(beads)
    al = Alignment(src, tgt, given, signature="s")
    assert [(b.src_text, b.tgt_text, type(b)) for b in al.beads] == want
    assert al.beads == given and al.beads is not given
    for b, g in zip(al.beads, given):
        assert b.origin == g.origin and b.score == g.score
        if g.src_text or g.tgt_text:
            assert b is g
        if isinstance(g, _TaggedBead):
            assert b.tag == g.tag
    assert [b.src_text for b in given] == [g.src_text for g in beads]  # inputs untouched
