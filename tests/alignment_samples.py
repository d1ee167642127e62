"""Hand-made alignments shared by the viz and report tests (no encoder involved)."""

from __future__ import annotations

from paralign.alignment.bead import Alignment, Bead
from paralign.text.document import Document, Sentence

ZH = ["蘇聯於一九九0年和南韓建交。", "莫斯科與漢城發展密切的經貿關係。", "但並未放棄對平壤的支持。",
      "一九九一年俄羅斯繼承蘇聯。", "其結果使莫斯科逐漸喪失對平壤的影響力。"]
# the last English sentence is left to each test module (markup to escape differs)
EN_BASE = ["The Soviet Union opened relations with South Korea in 1990.",
           "Moscow developed close trade with Seoul.", "It did not give up supporting Pyongyang.",
           "Neither politically nor militarily.", "In 1991 Russia succeeded the Soviet Union."]
BEADS = [((0,), (0,), 0.93), ((1,), (1,), 0.80), ((2,), (2, 3), 0.55), ((3,), (4,), 0.90),
         ((4,), (), 0.20), ((), (5,), 0.10)]


def build_alignment(zh, en, beads, *, signature: str = "paralign 0.1.0|enc:test",
                    **kw) -> Alignment:
    """An Alignment of Traditional Chinese and English sentences with the given beads."""
    src = Document(tuple(Sentence(t) for t in zh), lang="zh", script="Hant")
    tgt = Document(tuple(Sentence(t) for t in en), lang="en", script="Latn")
    return Alignment(src, tgt, [Bead(s, t, sc) for s, t, sc in beads],
                     signature=signature, parallelism=0.8, **kw)


def block_sim(al: Alignment):
    """A similarity matrix that is bright inside the beads (by their score), dim elsewhere."""
    import numpy as np

    m = np.full((len(al.src), len(al.tgt)), 0.1, dtype=np.float32)
    for b in al.beads:
        for i in b.src:
            for j in b.tgt:
                m[i, j] = 0.3 + 0.6 * b.score
    return m
