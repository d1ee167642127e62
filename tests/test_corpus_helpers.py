"""Shared builders for the corpus tests (hand-made Documents and Alignments); no tests here."""

from __future__ import annotations

from paralign.alignment.bead import Alignment, Bead
from paralign.text.document import Document, Sentence

ZH_HANT = ["外交部長今天發表講話。", "他說😀\t中國很好。", "多餘的句子。", "經濟發展很快。"]
ZH_HANS = ["外交部长今天发表讲话。", "他说中国很好。", "经济发展很快。"]
EN = ["The foreign minister spoke today.", "He said China is fine.", "Extra.",
      "The economy grows fast."]


def make_alignment(zh: list[str] | None = None, en: list[str] | None = None,
                   beads: list[tuple[tuple[int, ...], tuple[int, ...], float]] | None = None,
                   script: str = "Hant", source: str | None = "doc.zh.txt",
                   signature: str = "paralign test") -> Alignment:
    zh = ZH_HANT if zh is None else zh
    en = EN if en is None else en
    if beads is None:
        beads = [((0,), (0,), 0.9), ((1,), (1, 2), 0.7), ((2,), (), 0.1), ((3,), (3,), 0.55)]
    src = Document(tuple(Sentence(t, paragraph=0, start=k, end=k + 1) for k, t in enumerate(zh)),
                   lang="zh", script=script, source=source)
    tgt = Document(tuple(Sentence(t) for t in en), lang="en", script="Latn", source="doc.en.txt")
    return Alignment(src, tgt, [Bead(s, t, sc) for s, t, sc in beads], signature=signature)


def simple_alignment(pairs: list[tuple[str, str]], script: str = "Hans",
                     scores: list[float] | None = None) -> Alignment:
    zh = [p[0] for p in pairs]
    en = [p[1] for p in pairs]
    scores = scores or [0.8] * len(pairs)
    return make_alignment(zh, en, [((i,), (i,), scores[i]) for i in range(len(pairs))],
                          script=script)
