"""A translation lexicon learned from the texts being aligned (bootstrapped IBM model 1).

CC-CEDICT knows the common words, but a novel's names, a translator's habits and a corpus's
terms are in the texts themselves: after a first alignment, the beads it is confident about
are a small parallel corpus. IBM model 1 (Brown et al. 1993), trained on them by EM in both
directions with CC-CEDICT as a Dirichlet prior, learns which English word renders which
Chinese word; the word pairs that both directions agree on are then added to the dictionary
and the document is searched again. This is hunalign's *realign* pass and the bootstrapping
of Braune & Fraser (2010), here on top of sentence embeddings.

Tokens: jieba words on the Chinese side (numbers and Latin words kept as they are), lower-
cased and stemmed English content words (as :func:`paralign.alignment.lexical.en_tokens`
reads them), so that learned pairs plug into the dictionary evidence unchanged.

Everything is sparse arrays over the word pairs that co-occur in some bead; one EM iteration
is a few vectorized passes over the token pairs, so learning costs a small fraction of the
embedding time (about a tenth of a second for a chapter, a few seconds for the Bible).
"""

from __future__ import annotations

import functools
import logging
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..text.han import DICTIONARY_RANGES
from ..text.words import zh_word_texts
from .kernels import compiled
from .lexical import _token_glosses, en_content

__all__ = ["Lexicon", "learn_lexicon", "lexicon_from_alignments", "training_pairs", "zh_words",
           "en_words"]

log = logging.getLogger("paralign.alignment")

_CONTENT = re.compile(f"[{DICTIONARY_RANGES}0-9A-Za-z]")


@functools.lru_cache(maxsize=200_000)
def _zh_key(t: str) -> str | None:
    """A jieba word as a lexicon keys it (stripped, Latin lower-cased), ``None`` for one that
    cannot carry meaning (punctuation). Memoized: words recur far more than sentences."""
    t = t.strip()
    if t and _CONTENT.search(t):
        return t.lower() if t.isascii() else t
    return None


@functools.lru_cache(maxsize=100_000)
def zh_words(text: str) -> tuple[str, ...]:
    """jieba words of a Chinese sentence that can carry meaning (punctuation dropped; Latin
    words lower-cased). Memoized: the two passes and the corpus pass read each sentence."""
    return tuple(w for w in map(_zh_key, zh_word_texts(text)) if w is not None)


@functools.lru_cache(maxsize=100_000)
def en_words(text: str) -> tuple[str, ...]:
    """Content words of an English sentence, lower-cased and stemmed, in order (repeats kept)."""
    return tuple(st for _, st in en_content(text))


def _side_words(x: str | Sequence[str], fn) -> list[str]:
    """Words of a text, or of a list of sentences (each tokenized and memoized alone)."""
    if isinstance(x, str):
        return list(fn(x))
    return [w for s in x for w in fn(s)]


@dataclass(frozen=True)
class Lexicon:
    """Word translation probabilities in both directions, learned by :func:`learn_lexicon`.

    ``pairs`` maps a Chinese word to the English stems it was learned to translate (those
    whose probability passes the threshold in both directions): what the dictionary
    evidence adds to CC-CEDICT's glosses.
    """

    pairs: dict[str, frozenset[str]] = field(default_factory=dict)
    beads: int = 0

    def glosses(self, word: str) -> frozenset[str]:
        return self.pairs.get(word, frozenset())

    def __len__(self) -> int:
        return sum(len(v) for v in self.pairs.values())

    @property
    def signature(self) -> str:
        """A short stable digest: alignments made with equal lexicons are equal."""
        import hashlib

        h = hashlib.sha1()
        for z in sorted(self.pairs):
            h.update(z.encode())
            h.update(" ".join(sorted(self.pairs[z])).encode())
            h.update(b"\n")
        return h.hexdigest()[:12]


# Pair lists of at least this many (target token, source token) occurrences are learned with
# the compiled kernels (importing numba costs more than a chapter's whole lexicon).
KERNEL_OCCURRENCES = 50_000


def _ibm1(src_ptr: np.ndarray, src_ids: np.ndarray, tgt_ptr: np.ndarray, tgt_ids: np.ndarray,
          ns: int, nt: int, prior: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
          prior_weight: float, iterations: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """IBM model 1, t(target word | source word), by EM over sentence pairs.

    Pair ``d`` has source words ``src_ids[src_ptr[d]:src_ptr[d + 1]]`` and target words
    ``tgt_ids[tgt_ptr[d]:tgt_ptr[d + 1]]`` (repeats kept). Returns the co-occurring pairs
    (source ids, target ids, sorted), their probabilities and in how many sentence pairs
    each occurs (ids and counts int32: the Bible's pairs are millions). Index ``ns`` is the NULL source word, present in every pair. ``prior``
    (source ids, target ids, weights) gives Dirichlet pseudo-counts (times
    ``prior_weight``) to dictionary pairs, so that a word seen once or twice leans towards
    its dictionary translations instead of whatever it co-occurred with.

    Long inputs run :func:`~paralign.alignment.kernels.ibm1_pairs` and
    :func:`~paralign.alignment.kernels.ibm1_em` (the Bible's 5 million occurrences: sorting
    them was most of the time), others :func:`_ibm1_numpy`; the two agree to the last bit.
    """
    lt = np.diff(tgt_ptr)
    occurrences = int((lt * (np.diff(src_ptr) + 1)).sum())
    # (the kernels' lists are int32)
    pairs = (compiled("ibm1_pairs") if KERNEL_OCCURRENCES <= occurrences < 2**31 else None)
    if pairs is None:
        return _ibm1_numpy(src_ptr, src_ids, tgt_ptr, tgt_ids, ns, nt, prior, prior_weight,
                           iterations)
    us, ut, beads, inv = pairs(src_ptr, src_ids, tgt_ptr, tgt_ids, ns, nt)
    key = us.astype(np.int64)
    key *= nt + 1
    key += ut
    ppos, pval = _prior_hits(key, nt, prior, prior_weight)
    del key
    t = compiled("ibm1_em")(src_ptr, tgt_ptr, inv, us, ppos, pval, ns, iterations)
    return us, ut, t, beads


def _prior_hits(ukey: np.ndarray, nt: int,
                prior: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
                prior_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """The prior's pseudo-counts of the pairs ``ukey`` (sorted keys source * (nt + 1) +
    target), sparse: the pairs that have one (ascending) and their counts (the dictionary
    knows a few of the millions of pairs; the others' count is 0.0). A pair named twice
    sums its weights in the prior's order, as ``np.add.at`` does."""
    if prior is None or not len(prior[0]) or not len(ukey):
        return np.zeros(0, np.int64), np.zeros(0)
    pk = prior[0] * (nt + 1) + prior[1]
    pos = np.searchsorted(ukey, pk)
    hit = (pos < len(ukey)) & (ukey[np.minimum(pos, len(ukey) - 1)] == pk)
    ppos, which = np.unique(pos[hit], return_inverse=True)
    pval = np.zeros(len(ppos))
    np.add.at(pval, which, prior[2][hit] * prior_weight)
    return ppos.astype(np.int64), pval


def _prior_counts(ukey: np.ndarray, nt: int,
                  prior: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
                  prior_weight: float) -> np.ndarray:
    """:func:`_prior_hits` as one count a pair."""
    pc = np.zeros(len(ukey))
    ppos, pval = _prior_hits(ukey, nt, prior, prior_weight)
    pc[ppos] = pval
    return pc


def _ibm1_numpy(src_ptr: np.ndarray, src_ids: np.ndarray, tgt_ptr: np.ndarray,
                tgt_ids: np.ndarray, ns: int, nt: int,
                prior: tuple[np.ndarray, np.ndarray, np.ndarray] | None, prior_weight: float,
                iterations: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_ibm1` with numpy: every (target token, source token) occurrence a row, the
    pairs found by sorting their keys, each EM sum a ``np.bincount``."""
    occ_s, occ_t, tok_of, bead_of = [], [], [], []
    base = 0
    for d in range(len(tgt_ptr) - 1):
        t = tgt_ids[tgt_ptr[d]:tgt_ptr[d + 1]]
        if not len(t):
            continue
        ss = np.concatenate([src_ids[src_ptr[d]:src_ptr[d + 1]], [ns]]).astype(np.int64)
        k = np.arange(len(t)) + base
        occ_s.append(np.tile(ss, len(t)))
        occ_t.append(np.repeat(t.astype(np.int64), len(ss)))
        tok_of.append(np.repeat(k, len(ss)))
        bead_of.append(np.full(len(t) * len(ss), d, np.int64))
        base += len(t)
    if not occ_s:
        z = np.zeros(0, np.int32)
        return z, z, np.zeros(0), z
    S = np.concatenate(occ_s)
    T = np.concatenate(occ_t)
    K = np.concatenate(tok_of)
    key = S * (nt + 1) + T
    ukey, inv = np.unique(key, return_inverse=True)
    us, ut = ukey // (nt + 1), ukey % (nt + 1)
    # in how many sentence pairs each pair occurs
    bead_pairs = np.unique(inv * (len(tgt_ptr) - 1) + np.concatenate(bead_of))
    beads = np.bincount(bead_pairs // (len(tgt_ptr) - 1), minlength=len(ukey))
    pc = _prior_counts(ukey, nt, prior, prior_weight)
    # start uniform over what each source word co-occurs with (plus the prior)
    t = np.ones(len(ukey))
    for _ in range(iterations):
        p = t[inv]
        z = np.bincount(K, weights=p, minlength=base)
        post = p / np.maximum(z[K], 1e-300)
        counts = np.bincount(inv, weights=post, minlength=len(ukey)) + pc
        tot = np.bincount(us, weights=counts, minlength=ns + 1)
        t = counts / np.maximum(tot[us], 1e-300)
    return us.astype(np.int32), ut.astype(np.int32), t, beads.astype(np.int32)


class _Side:
    """One side's words of the training pairs as ids (in order of first appearance), kept
    as compact arrays while the pairs are read: a long document's words are a million
    tokens, which as lists of lists of strings (and again flattened) cost tens of MB."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._ids = array("q")
        self._lens = array("q")

    def add(self, words: list[str]) -> None:
        vocab = self.vocab
        self._ids.extend([vocab.setdefault(w, len(vocab)) for w in words])
        self._lens.append(len(words))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Pointers (pair ``d``'s words are ``ids[ptr[d]:ptr[d + 1]]``) and ids, int64."""
        ptr = np.zeros(len(self._lens) + 1, np.int64)
        np.cumsum(np.frombuffer(self._lens, np.int64), out=ptr[1:])
        return ptr, np.frombuffer(self._ids, np.int64).copy()


def learn_lexicon(pairs: Iterable[tuple[str | Sequence[str], str | Sequence[str]]], *, iterations: int = 5,
                  prior_weight: float = 1.0, threshold: float = 0.1, min_count: int = 2,
                  use_dictionary: bool = True) -> Lexicon:
    """Learn a lexicon from (Chinese, English) pairs of beads, each side a text or a list of
    sentences.

    IBM model 1 is trained in both directions; a word pair is kept when each direction
    gives it at least ``threshold`` and the pair co-occurs in at least ``min_count`` pairs
    (one co-occurrence proves nothing). With ``use_dictionary`` CC-CEDICT's translations are
    the prior (``prior_weight`` pseudo-counts spread over a word's glosses).
    """
    zside, eside = _Side(), _Side()
    npairs = 0
    for z, e in pairs:
        zw, ew = _side_words(z, zh_words), _side_words(e, en_words)
        if zw and ew:
            zside.add(zw)
            eside.add(ew)
            npairs += 1
    if not npairs:
        return Lexicon({}, 0)
    (zptr, zids), (eptr, eids) = zside.arrays(), eside.arrays()
    zvocab, evocab = zside.vocab, eside.vocab
    del zside, eside
    nz, ne = len(zvocab), len(evocab)
    prior = None
    if use_dictionary and prior_weight:
        pz, pe, pw = [], [], []
        for w, i in zvocab.items():
            g = [evocab[x] for x in _token_glosses(w) if x in evocab]
            if not g:
                continue
            pz += [i] * len(g)
            pe += g
            pw += [1.0 / len(g)] * len(g)
        prior = (np.array(pz, np.int64), np.array(pe, np.int64), np.array(pw))
    W = ne + 1
    # each direction's pairs (millions on the Bible) are cut to those passing the threshold
    # before the other direction is trained: only one direction's arrays are alive at once
    zu, eu, t_ez, beads = _ibm1(zptr, zids, eptr, eids, nz, ne, prior, prior_weight,
                                iterations)                                     # t(e | z)
    keep = (zu < nz) & (eu < ne) & (t_ez >= threshold)
    fwd = zu[keep].astype(np.int64) * W + eu[keep]     # sorted (the pairs come sorted)
    fwd_beads = beads[keep]                  # in how many pairs each occurs
    del zu, eu, t_ez, beads, keep
    rprior = None if prior is None else (prior[1], prior[0], prior[2])
    eu2, zu2, t_ze, _ = _ibm1(eptr, eids, zptr, zids, ne, nz, rprior, prior_weight,
                              iterations)                                       # t(z | e)
    keep = (zu2 < nz) & (eu2 < ne) & (t_ze >= threshold)
    rev = zu2[keep].astype(np.int64) * W + eu2[keep]
    del eu2, zu2, t_ze, _, keep
    both = rev[np.isin(rev, fwd)]
    # in how many pairs both words appear (one co-occurrence proves nothing)
    pos = np.searchsorted(fwd, both)
    both = np.sort(both[fwd_beads[pos] >= min_count])
    izv = list(zvocab)
    iev = list(evocab)
    out: dict[str, set[str]] = {}
    for k in both.tolist():
        out.setdefault(izv[k // W], set()).add(iev[k % W])
    lex = Lexicon({k: frozenset(v) for k, v in out.items()}, npairs)
    log.info("lexicon: %d word pairs learned from %d beads", len(lex), npairs)
    return lex


def lexicon_from_alignments(alignments: Iterable[Any], *, min_score: float = 0.5,
                            **learn: Any) -> Lexicon:
    """A lexicon learned from the confident beads of first-pass alignments
    (:func:`training_pairs`); ``learn`` goes to :func:`learn_lexicon`."""
    return learn_lexicon(training_pairs(alignments, min_score=min_score), **learn)


def training_pairs(alignments: Iterable[Any], *, min_score: float = 0.5
                   ) -> list[tuple[list[str], list[str]]]:
    """(Chinese sentences, English sentences) of the confident beads of alignments.

    Beads scoring at least ``min_score`` (calibrated confidence) and not null, in each
    alignment's matching form (Simplified Chinese); alignments of other language pairs than
    Chinese-English contribute nothing.
    """
    pairs: list[tuple[list[str], list[str]]] = []
    for al in alignments:
        langs = (al.src.lang, al.tgt.lang)
        if set(langs) != {"zh", "en"}:
            continue
        zh_src = langs[0] == "zh"
        for b in al.beads:
            if b.is_null or b.score < min_score:
                continue
            s = [al.src.sentences[i].norm for i in b.src]
            t = [al.tgt.sentences[j].norm for j in b.tgt]
            pairs.append((s, t) if zh_src else (t, s))
    return pairs
