"""Strict and lax P/R/F1, checked by hand against Vecalign's definitions."""

from __future__ import annotations

import pytest

from paralign import Bead, evaluate
from paralign.errors import FormatError
from paralign.corpus.formats import parse_vecalign_line, read_vecalign
from paralign.evaluation import evaluate_files, format_scores

GOLD = [([0], [0]), ([1], [1, 2]), ([2], [3]), ([3], []), ([4, 5], [4])]

CASES = [
    # name, test beads, (P strict, R strict, P lax, R lax)
    ("identical", GOLD, (1.0, 1.0, 1.0, 1.0)),
    # 1-2 split into 1-1 + 0-1: the 1-1 is a lax hit, the 0-1 a miss; the gold 1-2 is missed
    # strictly but found laxly. P: 4 strict hits of 6, 5 lax; R: 3 of 4 non-null gold strict,
    # 4 lax.
    ("split", [([0], [0]), ([1], [1]), ([], [2]), ([2], [3]), ([3], []), ([4, 5], [4])],
     (4 / 6, 3 / 4, 5 / 6, 1.0)),
    # everything shifted by one target sentence: no strict hit at all
    ("shifted", [([0], [1]), ([1], [2, 3]), ([2], [4]), ([3], []), ([4, 5], [0])],
     # (only the 1-0 bead is a strict hit; bead 1 shares target 2 with the gold 1-2)
     (1 / 5, 0.0, 2 / 5, 1 / 4)),
    # null test beads never match laxly
    ("all null", [([0], []), ([1], []), ([], [0]), ([], [1])], (0.0, 0.0, 0.0, 0.0)),
]


@pytest.mark.parametrize("name,test,expected", CASES, ids=[c[0] for c in CASES])
def test_scores(name, test, expected):
    s = evaluate(GOLD, test)
    ps, rs, pl, rl = expected
    assert s["precision_strict"] == pytest.approx(ps)
    assert s["recall_strict"] == pytest.approx(rs)
    assert s["precision_lax"] == pytest.approx(pl)
    assert s["recall_lax"] == pytest.approx(rl)
    f = (2 * ps * rs / (ps + rs)) if ps + rs else 0.0
    assert s["f1_strict"] == pytest.approx(f)


def test_micro_average_over_documents():
    g1, t1 = [([0], [0]), ([1], [1])], [([0], [0]), ([1], [1])]          # 2/2
    g2, t2 = [([0], [0, 1]), ([1], [2])], [([0], [0]), ([1], [1, 2])]    # 0/2
    s = evaluate([g1, g2], [t1, t2])
    assert s["precision_strict"] == pytest.approx(2 / 4)  # not the mean of 1.0 and 0.0 by luck
    s3 = evaluate([g1, g1, g2], [t1, t1, t2])
    assert s3["precision_strict"] == pytest.approx(4 / 6)


def test_beads_and_pairs_mix():
    test = [Bead((0,), (0,)), Bead((1,), (1, 2)), Bead((2,), (3,)), Bead((3,), ()), Bead((4, 5), (4,))]
    assert evaluate(GOLD, test)["f1_strict"] == 1.0


@pytest.mark.parametrize("line,expected", [
    ("[0, 1]:[2]", ((0, 1), (2,), None)),
    ("[]:[5]", ((), (5,), None)),
    ("[3]:[]:0.25", ((3,), (), 0.25)),
    ("  [0]:[0]:1.0000  ", ((0,), (0,), 1.0)),
])
def test_parse_line(line, expected):
    assert parse_vecalign_line(line) == expected


@pytest.mark.parametrize("line", ["[0]", "0:1", "[a]:[1]", "[0]:[1]:x", "{0}:[1]"])
def test_parse_line_errors(line):
    with pytest.raises(FormatError):
        parse_vecalign_line(line, where="f.align:3")


def test_files_and_format(tmp_path):
    g = tmp_path / "g.align"
    t = tmp_path / "t.align"
    g.write_text("[0]:[0]\n[1]:[1, 2]\n\n")
    t.write_text("[0]:[0]:0.9\n[1]:[1]:0.8\n[]:[2]:0.5\n")
    assert read_vecalign(g) == [((0,), (0,)), ((1,), (1, 2))]
    s = evaluate_files([str(g)], [str(t)])
    assert s["precision_strict"] == pytest.approx(1 / 3)
    table = format_scores(s)
    assert "strict" in table and "lax" in table
    with pytest.raises(FormatError):
        evaluate_files([str(g)], [str(t), str(t)])


BY_TYPE_CASES = [
    # name, gold, test, {type: (gold, recall, test, precision)}
    ("exact", GOLD, GOLD, {"1-1": (2, 1.0, 2, 1.0), "1-2": (1, 1.0, 1, 1.0),
                           "1-0": (1, 1.0, 1, 1.0), "2-1": (1, 1.0, 1, 1.0)}),
    # the 1-2 split into 1-1 + 0-1: the 1-2 is missed, one wrong 1-1 and one wrong 0-1 appear
    ("split", GOLD, [([0], [0]), ([1], [1]), ([], [2]), ([2], [3]), ([3], []), ([4, 5], [4])],
     {"1-1": (2, 1.0, 3, 2 / 3), "1-2": (1, 0.0, 0, 0.0), "0-1": (0, 0.0, 1, 0.0)}),
    # a null absorbed into its neighbour's merge: 1-1 + 1-0 become a 2-1
    ("absorbed", [([0], [0]), ([1], [])], [([0, 1], [0])],
     {"1-1": (1, 0.0, 0, 0.0), "1-0": (1, 0.0, 0, 0.0), "2-1": (0, 0.0, 1, 0.0)}),
    ("other", [([0, 1, 2, 3], [0])], [([0, 1, 2, 3], [0])], {"other": (1, 1.0, 1, 1.0)}),
]


@pytest.mark.parametrize("name,gold,test,expected", BY_TYPE_CASES, ids=[c[0] for c in BY_TYPE_CASES])
def test_evaluate_by_type(name, gold, test, expected):
    from paralign.evaluation import BEAD_TYPES, evaluate_by_type

    r = evaluate_by_type(gold, test)
    assert set(r) == set(BEAD_TYPES)
    for k, (g, rec, t, prec) in expected.items():
        assert (r[k]["gold"], r[k]["test"]) == (g, t), k
        assert r[k]["recall"] == pytest.approx(rec) and r[k]["precision"] == pytest.approx(prec), k
    assert sum(v["gold"] for v in r.values()) == len(gold)
    assert sum(v["test"] for v in r.values()) == len(test)


OMIT_GOLD = [([0], [0]), ([1], [1, 2]), ([2], [3]), ([3, 4], [4])]


@pytest.mark.parametrize("side,share,seed", [("tgt", 0.2, 0), ("tgt", 0.4, 3), ("src", 0.2, 1),
                                             ("src", 0.6, 2)])
def test_omit_sentences(side, share, seed):
    from paralign.evaluation import omit_sentences

    src = [f"s{i}" for i in range(5)]
    tgt = [f"t{j}" for j in range(5)]
    s2, t2, gold = omit_sentences(src, tgt, OMIT_GOLD, share, side, seed=seed)
    own_before, own_after = (tgt, t2) if side == "tgt" else (src, s2)
    assert (s2 if side == "tgt" else t2) == (src if side == "tgt" else tgt)  # other side kept
    assert len(own_after) == len(own_before) - round(share * 5)
    assert omit_sentences(src, tgt, OMIT_GOLD, share, side, seed=seed) == (s2, t2, gold)
    # the gold still covers every sentence once, in order, and names the same texts
    k = 1 if side == "tgt" else 0
    assert [i for b in gold for i in b[k]] == list(range(len(own_after)))
    assert [i for b in gold for i in b[1 - k]] == list(range(5))
    names = {own_before[i] for b in OMIT_GOLD for i in b[k]} - set(own_after)
    assert len(names) == round(share * 5)
    # a bead whose own side was deleted entirely keeps its partners, now unaligned
    for b_old in OMIT_GOLD:
        if all(own_before[i] in names for i in b_old[k]):
            partner = tuple(b_old[1 - k])
            assert any(tuple(b[1 - k]) == partner and not b[k] for b in gold)


def test_omit_sentences_bad_side():
    from paralign.evaluation import omit_sentences

    with pytest.raises(ValueError, match="side"):
        omit_sentences(["a"], ["b"], [([0], [0])], 0.5, "both")
