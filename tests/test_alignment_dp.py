"""The dynamic-programming search and the Aligner on small hand-made cases.

Sentences are tagged with concepts (tests/fake_encoders.py): a bead is right when its two
sides carry the same concepts, so each case states its gold beads exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from paralign import AlignConfig, Aligner
from paralign.alignment.dp import NEG, band_from_path, full_band, reverse_band, search
from paralign.errors import InputError
from paralign.text import from_sentences

from fake_encoders import ConceptEncoder, HashEncoder

# Concept sentences: Chinese and English texts of about matching length (1 : 3 characters).
ZH = {
    0: "老人在河边钓鱼。", 1: "天色渐渐暗了下来。", 2: "他收起鱼竿回家去。", 3: "妻子已经做好了晚饭。",
    4: "饭后他们坐在院子里乘凉。", 5: "孩子们在一旁追逐打闹。", 6: "远处传来了狗叫声。", 7: "夜深了，村子安静下来。",
    8: "第二天一早他又出门了。", 9: "这一次他走得更远。",
}
EN = {
    0: ["The old man was fishing by the river."], 1: ["The sky slowly grew dark."],
    2: ["He packed up his rod and went home."], 3: ["His wife had already cooked dinner."],
    4: ["After the meal they sat in the yard to enjoy the cool air."],
    5: ["The children chased each other nearby."], 6: ["A dog barked in the distance."],
    7: ["The night grew late, and the village fell quiet."],
    8: ["Early the next morning he went out again."], 9: ["This time he walked farther."],
}
# split translations: one Chinese sentence rendered as several English ones
EN_SPLIT = {
    4: ["After the meal they sat in the yard.", "They enjoyed the cool evening air."],
    7: ["The night grew late.", "The village fell quiet."],
    9: ["This time he walked farther.", "He did not stop until noon.", "Then he rested."],
}
EXTRA_ZH = "这句话在译文中没有对应。"
EXTRA_EN = "This sentence has no counterpart in the original."


def _encoder(zh: list[str], en: list[str], concepts_zh: list[int], concepts_en: list[int]) -> ConceptEncoder:
    table = {s: c for s, c in zip(zh, concepts_zh)}
    table.update({s: c for s, c in zip(en, concepts_en)})
    return ConceptEncoder(table)


def _build(spec_zh: list[int | str], spec_en: list[tuple[int, int] | str]):
    """Sentences and concepts: ints are concepts; ('s', k) the k-th piece of a split; str extra."""
    zh, cz = [], []
    for i, c in enumerate(spec_zh):
        if isinstance(c, str):
            zh.append(c)
            cz.append(1000 + i)
        else:
            zh.append(ZH[c])
            cz.append(c)
    en, ce = [], []
    for j, c in enumerate(spec_en):
        if isinstance(c, str):
            en.append(c)
            ce.append(2000 + j)
        else:
            concept, piece = c
            pieces = EN_SPLIT.get(concept, EN[concept]) if piece >= 0 else EN[concept]
            en.append(pieces[max(piece, 0)])
            ce.append(concept)
    return zh, en, cz, ce


def _align(zh, en, cz, ce, **cfg):
    aligner = Aligner(AlignConfig(cache=False, **cfg), encoder=_encoder(zh, en, cz, ce))
    return aligner.align(zh, en)


CASES = [
    # name, Chinese spec, English spec, gold beads, config changes
    ("all 1-1", [0, 1, 2, 3], [(0, -1), (1, -1), (2, -1), (3, -1)],
     [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,))], {}),
    ("1-2", [0, 4, 5], [(0, -1), (4, 0), (4, 1), (5, -1)],
     [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,))], {}),
    ("1-3", [8, 9, 0], [(8, -1), (9, 0), (9, 1), (9, 2), (0, -1)],
     [((0,), (0,)), ((1,), (1, 2, 3)), ((2,), (4,))], {}),
    ("two 1-2", [3, 4, 6, 7], [(3, -1), (4, 0), (4, 1), (6, -1), (7, 0), (7, 1)],
     [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3,), (4, 5))], {}),
    ("1-0", [0, 1, EXTRA_ZH, 2, 3], [(0, -1), (1, -1), (2, -1), (3, -1)],
     [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2,)), ((4,), (3,))], {}),
    ("0-1", [0, 1, 2, 3], [(0, -1), (1, -1), EXTRA_EN, (2, -1), (3, -1)],
     [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), (3,)), ((3,), (4,))],
     # the default skip cost favours merging an unmatched sentence into a neighbour's bead
     # (right far more often on real text, where 0-1 beads are rare); a cheaper skip keeps it
     {"skip": -0.1}),
]


@pytest.mark.parametrize("name,spec_zh,spec_en,gold,cfg", CASES, ids=[c[0] for c in CASES])
def test_bead_types(name, spec_zh, spec_en, gold, cfg):
    zh, en, cz, ce = _build(spec_zh, spec_en)
    al = _align(zh, en, cz, ce, **cfg)
    assert [(b.src, b.tgt) for b in al.beads] == gold


def test_two_to_one():
    # the English side merges two Chinese sentences: 2-1
    zh = [ZH[0], "天色渐渐暗了。", "下来了。", ZH[2]]
    en = [EN[0][0], EN[1][0], EN[2][0]]
    enc = ConceptEncoder({zh[0]: 0, zh[1]: 1, zh[2]: 1, zh[3]: 2, en[0]: 0, en[1]: 1, en[2]: 2})
    al = Aligner(AlignConfig(cache=False), encoder=enc).align(zh, en)
    assert [(b.src, b.tgt) for b in al.beads] == [((0,), (0,)), ((1, 2), (1,)), ((3,), (2,))]


def test_single_sentence_against_several():
    zh = [ZH[9]]
    en = EN_SPLIT[9]
    enc = ConceptEncoder({zh[0]: 9, **{s: 9 for s in en}})
    al = Aligner(AlignConfig(cache=False), encoder=enc).align(zh, en)
    assert [(b.src, b.tgt) for b in al.beads] == [((0,), (0, 1, 2))]


def test_paragraph_boundaries_are_anchors():
    # Without anchors the 0-1 extra could be absorbed anywhere; with paragraph anchors, the
    # paragraph pairs are aligned separately and no bead crosses a boundary.
    zh_s = [ZH[0], ZH[1], ZH[2], ZH[3]]
    en_s = [EN[0][0], EN[1][0], EN[2][0], EN[3][0]]
    enc = _encoder(zh_s, en_s, [0, 1, 2, 3], [0, 1, 2, 3])
    src = from_sentences(zh_s, "zh", paragraphs=[0, 0, 1, 1])
    tgt = from_sentences(en_s, "en", paragraphs=[0, 0, 1, 1])
    al = Aligner(AlignConfig(cache=False), encoder=enc).align(src, tgt)
    assert al.stats["blocks"] == 2
    for b in al.beads:
        assert len({src[i].paragraph for i in b.src} | {tgt[j].paragraph for j in b.tgt}) == 1


def test_paragraph_anchor_overrides_similarity():
    # sentence 1 of paragraph 0 resembles sentence 2 (paragraph 1) of the target: the anchor
    # keeps it inside its own paragraph pair
    zh_s = [ZH[0], ZH[1], ZH[2]]
    en_s = [EN[0][0], EN[2][0], EN[1][0]]
    enc = _encoder(zh_s, en_s, [0, 1, 2], [0, 2, 1])
    src = from_sentences(zh_s, "zh", paragraphs=[0, 0, 1])
    tgt = from_sentences(en_s, "en", paragraphs=[0, 0, 1])
    al = Aligner(AlignConfig(cache=False), encoder=enc).align(src, tgt)
    for b in al.beads:
        assert len({src[i].paragraph for i in b.src} | {tgt[j].paragraph for j in b.tgt}) == 1
    no_anchor = Aligner(AlignConfig(cache=False, paragraph_anchors=False), encoder=enc).align(src, tgt)
    assert no_anchor.stats["blocks"] == 1


# Caller-given anchors (i, j): no bead crosses them; an empty stretch gives null beads.
ANCHOR_CASES = [
    # (zh concepts, en concepts, anchors, gold beads)
    ([0, 1, 2], [0, 1, 2], [(1, 1)], [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]),
    # an English title with no Chinese counterpart: a 0-1 bead of its own, although its
    # concept (1) would otherwise pull it into the bead of Chinese sentence 1
    ([0, 1], [1, 0, 1], [(0, 1)], [((), (0,)), ((0,), (1,)), ((1,), (2,))]),
    # an anchor that contradicts the similarity wins
    ([0, 1, 2], [0, 2, 1], [(2, 2)], None),
]


@pytest.mark.parametrize("cz,ce,anchors,gold", ANCHOR_CASES)
def test_caller_anchors_are_hard_boundaries(cz, ce, anchors, gold):
    zh_s = [ZH[c] for c in cz]
    en_s = [EN[c][0] + ("" if k == ce.index(c) else " Indeed.") for k, c in enumerate(ce)]
    enc = _encoder(zh_s, en_s, cz, ce)
    al = Aligner(AlignConfig(cache=False), encoder=enc).align(
        from_sentences(zh_s, "zh"), from_sentences(en_s, "en"), anchors=anchors)
    got = [(b.src, b.tgt) for b in al.beads]
    if gold is not None:
        assert got == gold
    for i, j in anchors:
        for b in al.beads:
            assert all(x < i for x in b.src) == all(y < j for y in b.tgt) or b.is_null, (b, i, j)
            assert not (b.src and b.src[0] < i <= b.src[-1]) and not (b.tgt and b.tgt[0] < j <= b.tgt[-1])


@pytest.mark.parametrize("anchors", [[(5, 1)], [(1, 9)], [(2, 1), (1, 2)], [(0, 0)]])
def test_bad_anchors_are_an_error(anchors):
    with pytest.raises(InputError, match="anchor"):
        Aligner(AlignConfig(cache=False), encoder=HashEncoder()).align(
            ["一。", "二。"], ["One.", "Two."], anchors=anchors)


@pytest.mark.parametrize("src,tgt", [([], ["a."]), (["a."], []), ([], []), ("", "text."), ("   ", "x")])
def test_empty_side_is_an_error(src, tgt):
    with pytest.raises(InputError):
        Aligner(AlignConfig(cache=False), encoder=HashEncoder()).align(src, tgt)


@pytest.mark.parametrize("n,m", [(0, 3), (3, 0), (0, 0)])
def test_search_with_an_empty_side(n, m):
    types = [(1, 0), (1, 1)]
    band = full_band(n, m)
    W = band.width
    scores = [np.full((n + 1, W), -0.3), np.full((n + 1, W), NEG)]
    beads, total = search(band, types, scores, np.full((n + 1, W), -0.3))
    assert sorted(beads) == sorted([(i, i + 1, 0, 0) for i in range(n)] + [(n, n, j, j + 1) for j in range(m)])
    assert total == pytest.approx(-0.3 * (n + m))


def test_search_prefers_high_scores():
    # 2 x 2 lattice: the diagonal 1-1 beads score 1; the cross beads are impossible
    types = [(1, 0), (1, 1), (2, 2)]
    band = full_band(2, 2)
    S11 = np.full((3, 3), NEG)
    S11[1, 1] = S11[2, 2] = 1.0
    S22 = np.full((3, 3), NEG)
    S22[2, 2] = 1.5  # less than 1 + 1
    scores = [np.full((3, 3), -1.0), S11, S22]
    beads, total = search(band, types, scores, np.full((3, 3), -1.0))
    assert beads == [(0, 1, 0, 1), (1, 2, 1, 2)] and total == pytest.approx(2.0)
    S22[2, 2] = 2.5  # now the merge wins
    beads, total = search(band, types, scores, np.full((3, 3), -1.0))
    assert beads == [(0, 2, 0, 2)] and total == pytest.approx(2.5)


def test_band_from_path_covers_path_and_is_monotone():
    path = [(0, 0), (1, 2), (2, 3), (4, 5), (5, 8)]
    band = band_from_path(path, 5, 8, 1)
    for i, j in path:
        assert band.lo[i] <= j <= band.hi[i]
    assert np.all(np.diff(band.lo) >= 0) and np.all(np.diff(band.hi) >= 0)
    assert band.lo[0] == 0 and band.hi[-1] == 8
    rb = reverse_band(band)
    assert rb.lo[0] == 0 and rb.hi[-1] == 8



def _band_from_path_loops(path, n, m, width):
    """band_from_path as it was written before (a Python loop over nodes and rows)."""
    lo = np.full(n + 1, m, np.int64)
    hi = np.zeros(n + 1, np.int64)
    for i, j in path:
        lo[i] = min(lo[i], j)
        hi[i] = max(hi[i], j)
    seen = hi >= lo
    last_hi = 0
    for i in range(n + 1):
        if seen[i]:
            last_hi = hi[i]
        else:
            lo[i] = hi[i] = last_hi
    lo_w, hi_w = lo.copy(), hi.copy()
    for d in range(1, width + 1):
        lo_w[d:] = np.minimum(lo_w[d:], lo[:-d])
        hi_w[:-d] = np.maximum(hi_w[:-d], hi[d:])
    lo_w = np.maximum(lo_w - width, 0)
    hi_w = np.minimum(hi_w + width, m)
    lo_w = np.minimum.accumulate(lo_w[::-1])[::-1]
    hi_w = np.maximum.accumulate(hi_w)
    lo_w[0] = 0
    hi_w[-1] = m
    return lo_w, hi_w


def _random_path(seed, n, m, steps):
    rng = np.random.default_rng(seed)
    i = j = 0
    path = [(0, 0)]
    while i < n or j < m:
        a, b = steps[rng.integers(len(steps))]
        i, j = min(i + a, n), min(j + b, m)
        path.append((i, j))
    return path


BAND_PATHS = [  # (path, n, m, width)
    ([(0, 0), (1, 2), (2, 3), (4, 5), (5, 8)], 5, 8, 1),
    ([(0, 0), (5, 8)], 5, 8, 2),                      # rows 1..4 jumped over
    ([(0, 0), (0, 3), (0, 7), (3, 7), (3, 9)], 3, 9, 0),  # several nodes a row, width 0
    ([], 4, 6, 1),                                    # no node at all
    ([(2, 4)], 4, 6, 3),                              # rows before the first node
    ([(0, 0), (2, 1), (1, 5), (3, 2)], 3, 6, 1),      # not monotone
    (_random_path(1, 60, 80, [(1, 1), (1, 2), (2, 1), (0, 1), (1, 0), (3, 1)]), 60, 80, 4),
    (_random_path(2, 200, 90, [(2, 0), (3, 1), (1, 1)]), 200, 90, 8),
    ([(np.int64(i), np.int64(2 * i)) for i in range(11)], 10, 20, 2),  # numpy ints
]


@pytest.mark.parametrize("path,n,m,width", BAND_PATHS)
def test_band_from_path_is_the_loops_band(path, n, m, width):
    band = band_from_path(path, n, m, width)
    lo, hi = _band_from_path_loops(path, n, m, width)
    assert band.lo.dtype == np.int64 and band.hi.dtype == np.int64
    assert np.array_equal(band.lo, lo) and np.array_equal(band.hi, hi)

def test_deterministic():
    zh, en, cz, ce = _build([0, 4, 5, 6, 7], [(0, -1), (4, 0), (4, 1), (5, -1), (6, -1), (7, 0), (7, 1)])
    runs = [[(b.src, b.tgt, b.score) for b in _align(zh, en, cz, ce).beads] for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_confidence_and_signature():
    zh, en, cz, ce = _build([0, 4, 5], [(0, -1), (4, 0), (4, 1), (5, -1)])
    al = _align(zh, en, cz, ce)
    assert all(0.0 <= b.score <= 1.0 for b in al.beads)
    assert al.signature.startswith("paralign ") and "enc:concepts" in al.signature
    assert 0.0 <= al.parallelism <= 1.0


def test_two_encoders_are_combined():
    zh, en, cz, ce = _build([0, 4, 5], [(0, -1), (4, 0), (4, 1), (5, -1)])
    table = {s: c for s, c in zip(zh + en, cz + ce)}
    encs = [ConceptEncoder(table, dim=64), ConceptEncoder(table, dim=48, noise=0.1)]
    al = Aligner(AlignConfig(cache=False), encoder=encs).align(zh, en)
    assert [(b.src, b.tgt) for b in al.beads] == [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,))]
    assert "enc:concepts:64:" in al.signature and "+concepts:48:" in al.signature
    assert all(e.calls > 0 for e in encs)


def test_combined_encoder_names_resolve(monkeypatch):
    from paralign.embed import register_encoder

    register_encoder("hash-a", lambda **kw: HashEncoder(16))
    register_encoder("hash-b", lambda **kw: HashEncoder(24))
    aligner = Aligner(AlignConfig(encoder="hash-a+hash-b", cache=False))
    assert aligner.encoder_names == ["hash-a", "hash-b"]
    al = aligner.align(["一。", "二。"], ["One.", "Two."])
    assert sorted(i for b in al.beads for i in b.src) == [0, 1]


class _WindowEncoder(ConceptEncoder):
    """Records the windows the aligner asks for through ``encode_windows``."""

    def __init__(self, table):
        super().__init__(table)
        self.windows: list[tuple[tuple[str, ...], str]] = []

    def encode_windows(self, windows, joiner=" "):
        self.windows += [(tuple(w), joiner) for w in windows]
        return self.encode([joiner.join(w) for w in windows])


def test_windows_go_through_encode_windows_when_offered():
    zh, en, cz, ce = _build([0, 4, 5, 6, 7], [(0, -1), (4, 0), (4, 1), (5, -1), (6, -1), (7, 0), (7, 1)])
    plain = _align(zh, en, cz, ce)
    table = {s: c for s, c in zip(zh + en, cz + ce)}
    enc = _WindowEncoder(table)
    al = Aligner(AlignConfig(cache=False), encoder=enc).align(zh, en)
    assert [(b.src, b.tgt) for b in al.beads] == [(b.src, b.tgt) for b in plain.beads]
    assert enc.windows, "no window was composed"
    assert {j for w, j in enc.windows if w[0] in zh} <= {""}      # Chinese glued without space
    assert {j for w, j in enc.windows if w[0] in en} <= {" "}
    assert all(len(w) >= 2 for w, _ in enc.windows)


def test_load_prepares_encoders_and_dictionary():
    from paralign.alignment.lexical import dictionary_tables

    zh, en, cz, ce = _build([0, 4], [(0, -1), (4, -1)])
    enc = ConceptEncoder({s: c for s, c in zip(zh + en, cz + ce)})
    aligner = Aligner(AlignConfig(cache=False), encoder=enc)
    assert aligner.load() is aligner
    assert enc.calls > 0 and dictionary_tables.cache_info().currsize == 1
