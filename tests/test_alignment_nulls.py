"""Null beads priced by each sentence's own evidence (paralign.alignment.nulls), and the
omissions they let the aligner find."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paralign.alignment.dp import NEG
from paralign.alignment.nulls import best_partner_scores, evidence_nulls, null_sides

ROOT = Path(__file__).resolve().parents[1]
INF = -np.inf

# best scores of five sentences: median best 2.0; median second best 1.0 (gap 1)
BEST = np.array([2.0, 3.0, 2.0, 1.5, 0.5])
SECOND = np.array([1.0, 1.0, 1.0, 1.2, 0.4])


@pytest.mark.parametrize("weight,expected", [
    (0.0, [-0.4, -0.4, -0.4, -0.4, -0.4]),          # the constant skip
    (1.0, [-0.4, -0.4, -0.4, -0.2, 0.0]),           # halfway to the floor: half the cost
    (0.5, [-0.4, -0.4, -0.4, -0.3, -0.2]),
])
def test_a_sentence_with_no_good_partner_gets_a_cheap_null(weight, expected):
    assert evidence_nulls(BEST, SECOND, -0.4, weight) == pytest.approx(expected)


@pytest.mark.parametrize("best,second", [
    (np.array([INF, INF]), np.array([INF, INF])),   # no 1-1 cell at all
    (np.array([1.0, 2.0]), np.array([INF, INF])),   # one candidate each: no second best
    (np.array([]), np.array([])),
])
def test_without_evidence_the_constant_skip(best, second):
    assert evidence_nulls(best, second, -0.3, 1.0).tolist() == [-0.3] * len(best)


def test_a_sentence_with_no_cell_is_priced_like_an_unrelated_one():
    out = evidence_nulls(np.array([2.0, 2.0, INF]), np.array([1.0, 1.0, 1.0]), -0.3, 1.0)
    assert out.tolist() == pytest.approx([-0.3, -0.3, 0.0])


@pytest.mark.parametrize("n,m,sides", [(3, 5, (True, False)), (5, 3, (False, True)),
                                       (4, 4, (True, True))])
def test_only_the_side_with_fewer_sentences(n, m, sides):
    assert null_sides(n, m) == sides


@pytest.mark.parametrize("lo", [[0, 0, 0, 0], [0, 0, 1, 2]])
def test_best_partner_scores_read_the_band_layout(lo):
    """3 x 3 sentences; s11 in band layout (row i, column c: source i-1, target lo[i]+c-1)."""
    M = np.array([[5.0, 1.0, 0.0],
                  [2.0, 4.0, 3.0],
                  [0.5, 2.5, 6.0]])       # source x target 1-1 scores
    lo = np.array(lo)
    W = 4 if lo[-1] == 0 else 2
    s11 = np.full((4, W), NEG, np.float32)
    for i in range(1, 4):
        for c in range(W):
            j = lo[i] + c
            if 1 <= j <= 3:
                s11[i, c] = M[i - 1, j - 1]
    (bs, ss), (bt, st) = best_partner_scores(s11, lo, 3)
    K = np.where(np.array([[lo[i + 1] <= j + 1 < lo[i + 1] + W for j in range(3)]
                           for i in range(3)]), M, INF)
    top2 = -np.sort(-K, axis=1)[:, :2]
    assert bs.tolist() == top2[:, 0].tolist() and ss.tolist() == top2[:, 1].tolist()
    top2t = -np.sort(-K.T, axis=1)[:, :2]
    assert bt.tolist() == top2t[:, 0].tolist() and st.tolist() == top2t[:, 1].tolist()


# -- omissions the aligner finds ----------------------------------------------------------------
# Generated texts: ten Chinese sentences and their English translations, three of which a
# translator rendered in two sentences (so English is the side with more sentences), embedded
# by a stand-in encoder that knows which sentences translate which (tests/fake_encoders.py).
ZH = ["老人在河边钓鱼。", "天色渐渐暗了下来。", "他收起鱼竿回家去。", "妻子已经做好了晚饭。",
      "饭后他们坐在院子里乘凉。", "孩子们在一旁追逐打闹。", "远处传来了狗叫声。", "夜深了，村子安静下来。",
      "第二天一早他又出门了。", "这一次他走得更远。"]
EN = [["The old man was fishing by the river."], ["The sky slowly grew dark."],
      ["He packed up his rod.", "Then he went home."], ["His wife had already cooked dinner."],
      ["After the meal they sat in the yard.", "The air was cool."],
      ["The children chased each other nearby."], ["A dog barked in the distance."],
      ["The night deepened.", "The village fell quiet."],
      ["Early the next morning he went out again."], ["This time he walked further."]]
# sentences with no counterpart: what a translator added, or what is left of an omission
EXTRA_ZH = ["他想起了年轻时在海上的日子。", "那年的冬天格外寒冷。"]
EXTRA_EN = ["Nobody in the family ever spoke of the war.", "The radio played an old song."]


def _omission_case(zh_extra: dict[int, list[str]], en_extra: dict[int, list[str]],
                   split: bool = True):
    """Sentences with the extras inserted before concept k (k = 10: at the end; ``split``:
    three translations in two English sentences), the encoder, and the null beads expected."""
    from fake_encoders import ConceptEncoder

    zh, en, table, nulls = [], [], {}, []
    for k in range(11):
        for x in zh_extra.get(k, []):
            nulls.append(((len(zh),), ()))
            zh.append(x)
            table[x] = 100 + len(table)
        for x in en_extra.get(k, []):
            nulls.append(((), (len(en),)))
            en.append(x)
            table[x] = 100 + len(table)
        if k < 10:
            table[ZH[k]] = k
            zh.append(ZH[k])
            for s in (EN[k] if split else [" ".join(EN[k])]):
                table[s] = k
                en.append(s)
    return zh, en, ConceptEncoder(table), sorted(nulls)


def _nulls(zh, en, enc, **settings) -> list:
    from paralign import AlignConfig, Aligner

    al = Aligner(AlignConfig(cache=False, lexical_weight=0.0, **settings), encoder=enc)
    return sorted(b.key() for b in al.align(zh, en).beads if b.is_null)


@pytest.mark.parametrize("zh_extra,en_extra,split", [
    ({0: EXTRA_ZH[:1]}, {}, True),                    # at the start
    ({5: EXTRA_ZH[:1]}, {}, True),                    # in the middle
    ({10: EXTRA_ZH[:1]}, {}, True),                   # at the end
    ({5: EXTRA_ZH}, {}, True),                        # two in a row
    ({0: EXTRA_ZH[:1], 10: EXTRA_ZH[1:]}, {}, True),  # both ends
    ({3: EXTRA_ZH[:1]}, {7: EXTRA_EN[:1]}, False),    # both sides (as many sentences)
    ({3: EXTRA_ZH}, {7: EXTRA_EN}, False),            # both sides, two in a row on each
], ids=["start", "middle", "end", "two in a row", "both ends", "both sides",
        "both sides, two in a row"])
def test_omissions_of_every_shape_are_null_beads(zh_extra, en_extra, split):
    zh, en, enc, nulls = _omission_case(zh_extra, en_extra, split)
    assert _nulls(zh, en, enc) == nulls


@pytest.mark.parametrize("zh_extra", [{0: EXTRA_ZH[:1]}, {5: EXTRA_ZH}],
                         ids=["start", "two in a row"])
def test_a_constant_null_cost_lets_a_merge_absorb_them(zh_extra):
    """What the evidence-priced null is for: with the constant cost these are absorbed."""
    zh, en, enc, nulls = _omission_case(zh_extra, {})
    assert _nulls(zh, en, enc, null_weight=0.0) != nulls
    assert _nulls(zh, en, enc) == nulls


@pytest.mark.parametrize("en_extra", [{5: EXTRA_EN[:1]}, {5: EXTRA_EN}], ids=["one", "two"])
def test_the_side_with_more_sentences_keeps_the_constant_cost(en_extra):
    """The limit of the rule (module docstring): an extra sentence on the side with more
    sentences is priced like a part of a 1-2 bead, and a neighbour's merge absorbs it."""
    zh, en, enc, nulls = _omission_case({}, en_extra)
    assert len(en) > len(zh)
    found = _nulls(zh, en, enc)
    assert found != nulls and not any(b in found for b in nulls)


# -- the same on a shipped text, with the real default encoder ---------------------------------
def _exodus():
    from paralign import text

    read = lambda lang: (ROOT / f"corpora/bible/exodus-20.{lang}.txt").read_text("utf-8")  # noqa: E731
    return text.segment(read("zh")).texts, text.segment(read("en")).texts


@pytest.fixture(scope="module")
def exodus():
    from paralign import AlignConfig, Aligner

    zh, en = _exodus()
    aligner = Aligner(AlignConfig(progress=False))
    return zh, en, aligner, [b.key() for b in aligner.align(zh, en).beads]


@pytest.mark.parametrize("deleted", [[0], [14], [24], [13, 14], [16, 17], [0, 24], [8, 9]],
                         ids=["start", "middle", "end", "two in a row", "two in a row, later",
                              "both ends", "next to a merge"])
def test_deleted_chinese_sentences_leave_their_english_partners_as_null_beads(exodus, deleted):
    """Exodus 20 (KJV / Chinese Union Version, use-m3): Chinese sentences deleted, as a
    translator's omission; English has fewer sentences, so each English partner of a deleted
    sentence in a 1-1 bead is a null bead (in [8, 9], 8 was one part of a 2-1 bead: its
    partner keeps the other part)."""
    zh, en, aligner, ref = exodus
    assert not any(not s or not t for s, t in ref)   # no null bead in the whole text
    orphans = [t for s, t in ref if len(s) == 1 and len(t) == 1 and s[0] in deleted]
    assert orphans
    kept = [s for i, s in enumerate(zh) if i not in deleted]
    found = sorted(b.key() for b in aligner.align(kept, en).beads if b.is_null)
    assert found == sorted(((), t) for t in orphans)
