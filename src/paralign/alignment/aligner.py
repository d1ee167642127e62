"""The Aligner: from two texts to beads.

Pipeline for one document pair (each step linear in document length):

1. Segment both sides (or take the given sentences) and embed every single sentence with
   each encoder of the configuration (through the on-disk cache).
2. Split the pair at paragraph boundaries when both sides have the same number of paragraphs:
   paragraph breaks are hard anchors (hunalign uses ``<p>`` the same way).
3. For each block, fix a band: the whole lattice when it is small, else a band around a
   coarse-to-fine path (sentence vectors pooled in pairs, level after level, aligned 1-1/1-2/
   2-1 at the coarsest level and refined in a band at each finer one).
4. First search, every window approximated from its members' vectors (no encoder call):
   forward and backward dynamic programming give, for every candidate bead, the best total
   score of a path through it. Only merges within ``prune`` of the optimum are plausible.
5. Embed exactly the windows of those plausible merges, then search again with exact vectors
   (implausible merges excluded). Windows cost most of the encoder time, and most are never
   plausible: this is where the time goes down without losing accuracy. Encoders that can
   build a window's vector from their sentences' states (``encode_windows``: use-m3, see
   :mod:`paralign.embed.usem3_compose`) make the remaining windows cheap as well.
6. Give each bead a calibrated confidence and the pair a parallelism score.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import __version__
from ..config import AlignConfig
from ..errors import InputError
from ..text.document import Document
from .bead import Alignment, Bead
from .dp import NEG, Band, band_from_path, full_band, reverse_band, search
from .scoring import BandScorer, ScoreParams, SideVectors, bead_types

__all__ = ["Aligner", "align", "TextLike"]

log = logging.getLogger("paralign.alignment")

TextLike = str | Sequence[str] | Document

# Below this document-level parallelism score the two texts are reported as not parallel.
PARALLELISM_WARN = 0.3
# Exact search over the whole lattice up to this many cells; a band beyond.
EXACT_CELLS = 400_000
# Typical variance of the log length ratio of Chinese-English sentence pairs (mac_dev).
TYPICAL_LENGTH_VAR = 0.105
# Long blocks are cut into chunks of about this many source sentences (at anchors).
CHUNK = 400
# Dictionary evidence is computed densely for blocks (chunks) up to this many cells.
LEX_CELLS = 600_000
# Half-width of the bands of the coarse-to-fine first pass.
COARSE_WIDTH = 8
# Confidence: a logistic function of the bead's score (scores are in units of the document's
# match gap, hence comparable across encoders), fitted to strict correctness on mac_dev
# (bench/calibrate.py: 1,337 beads, expected calibration error 0.004). Null beads are rare
# and their correctness hard to tell from scores: they get a flat 0.5.
CONF_A = 1.53
CONF_B = -0.47
NULL_CONF = 0.5


def _as_document(x: TextLike, config: AlignConfig, side: str) -> Document:
    from .. import text as T

    if isinstance(x, Document):
        return x
    if isinstance(x, str):
        if not x.strip():
            raise InputError(f"the {side} text is empty")
        return T.segment(x, split_long=config.split_long, zh_convert=config.zh_convert)
    sents = list(x)
    if not all(isinstance(s, str) for s in sents):
        raise InputError(f"the {side} side must be a string, a list of strings or a Document")
    if not sents or not any(s.strip() for s in sents):
        raise InputError(f"the {side} side has no sentences")
    return T.from_sentences(sents, zh_convert=config.zh_convert)


def _unit_lengths(doc: Document) -> np.ndarray:
    """Length of each sentence in characters, spaces not counted (a length model's units)."""
    # str.split() cuts at exactly the characters str.isspace() accepts
    return np.array([max(1, len("".join(s.norm.split()))) for s in doc], float)


# English characters per Chinese character in translation (about 3; varies with translator).
ZH_EN_RATIO = 3.0


def _length_ratio(sdoc: Document, tdoc: Document, ls: np.ndarray, lt: np.ndarray) -> float:
    """Target length units per source unit, from the document, kept within a plausible range.

    The ratio of total lengths is right for two translations; for unbalanced inputs (one
    side truncated, 1 sentence against 500) it would make every bead look wrong, so it is
    clipped to half to twice the usual ratio of the language pair.
    """
    raw = float(lt.sum() / ls.sum())
    prior = 1.0
    if sdoc.lang == "zh" and tdoc.lang == "en":
        prior = ZH_EN_RATIO
    elif sdoc.lang == "en" and tdoc.lang == "zh":
        prior = 1.0 / ZH_EN_RATIO
    clipped = min(max(raw, prior / 2.0), prior * 2.0)
    if clipped != raw:
        log.info("length ratio %.2f is implausible for %s->%s: using %.2f",
                 raw, sdoc.tag, tdoc.tag, clipped)
    return clipped


@dataclass
class _Block:
    s0: int
    s1: int
    t0: int
    t1: int


class Aligner:
    """Aligns document pairs with one configuration, reusing the loaded encoders.

    >>> from paralign import Aligner, AlignConfig
    >>> aligner = Aligner(AlignConfig(max_merge=3))
    >>> aligner.config.max_merge
    3
    """

    def __init__(self, config: AlignConfig | None = None, *, encoder: Any = None,
                 **changes: Any) -> None:
        """``encoder`` optionally gives encoder objects (an :class:`~paralign.embed.Encoder`,
        a ``SentenceTransformer``, or a list of them) instead of the names in the config."""
        if config is not None and not isinstance(config, AlignConfig):
            hint = (f"Aligner(AlignConfig(**{config!r:.60})) or Aligner(**settings)"
                    if isinstance(config, dict) else "Aligner(AlignConfig(...))")
            raise TypeError(f"config must be an AlignConfig, got {type(config).__name__}; "
                            f"use {hint}")
        config = config or AlignConfig()
        self.config = config.replace(**changes) if changes else config
        self._encoders: list[Any] | None = None
        if encoder is not None:
            from ..embed import as_encoder

            objs = encoder if isinstance(encoder, (list, tuple)) else [encoder]
            self._encoders = [as_encoder(o) for o in objs]
            self._names = [getattr(e, "name", type(e).__name__) for e in self._encoders]
        self.types = bead_types(self.config.max_merge, self.config.max_total)
        # a lexicon learned from a corpus by fit(), used by every later align()
        self.lexicon: Any = None

    # -- encoders -----------------------------------------------------------------------
    @property
    def encoder_names(self) -> list[str]:
        if self._encoders is not None and hasattr(self, "_names"):
            return list(self._names)
        return [p.strip() for p in self.config.encoder.split("+") if p.strip()]

    @property
    def encoders(self) -> list[Any]:
        if self._encoders is None:
            from ..embed import get_encoder

            c = self.config
            self._encoders = [
                get_encoder(name, device=c.device, progress=c.progress, cache=c.cache,
                            cache_dir=c.cache_dir)
                for name in self.encoder_names
            ]
        return self._encoders

    def load(self) -> Aligner:
        """Load the encoders, the word segmenter and the dictionary now, not on first use.

        Each loads once per process (the bundled encoders in about a second, CC-CEDICT from
        paralign's cache folder in a tenth of one); a server or a timing loop calls this
        first so that the first document is not slower than the rest.
        """
        for e in self.encoders:
            e.encode(["paralign"])
        if self.config.lexical_weight:
            from ..text.words import words
            from .lexical import dictionary_tables

            dictionary_tables()
            list(words("加载", "zh"))
        return self

    @staticmethod
    def _encode(enc: Any, texts: list[str]) -> np.ndarray:
        """Unit rows, float32 (encoders promise both; objects passed in may not)."""
        return _unit_rows(enc.encode(list(texts)), len(texts), "texts")

    @classmethod
    def _encode_windows(cls, enc: Any, windows: list[list[str]], joiner: str) -> np.ndarray:
        """Window vectors: composed by encoders that can (use-m3), else the joined texts."""
        fn = getattr(enc, "encode_windows", None)
        if fn is None:
            return cls._encode(enc, [joiner.join(w) for w in windows])
        return _unit_rows(fn(windows, joiner), len(windows), "windows")

    @property
    def signature(self) -> str:
        encs = "+".join(getattr(e, "signature", n) for e, n in zip(self.encoders, self.encoder_names))
        return f"paralign {__version__}|enc:{encs}|{self.config.signature_part()}"

    # -- public --------------------------------------------------------------------------
    def align(self, src: TextLike, tgt: TextLike, *,
              anchors: Sequence[tuple[int, int]] | None = None, lexicon: Any = None) -> Alignment:
        """Align two texts (strings), sentence lists (already segmented) or Documents.

        ``anchors`` are hard bead boundaries: ``(i, j)`` means that source sentences before
        ``i`` align only with target sentences before ``j``; each stretch between two
        anchors is aligned on its own (an empty side gives null beads). ``None`` takes the
        title anchor of two Documents split from one bilingual file
        (:func:`paralign.text.split_bilingual` records each side's title), so that the
        title pair is a bead of its own; ``()`` uses none.

        ``lexicon`` (a :class:`~paralign.alignment.lexicon.Lexicon`; default: the one
        :meth:`fit` learned, if any) adds word pairs learned from the texts to the dictionary
        evidence. Without one, when the first alignment has ``realign`` confident beads or
        more, a lexicon is learned from them and the pair aligned again with it.
        """
        c = self.config
        sdoc, tdoc, cuts = self._documents(src, tgt, anchors)
        lexicon = lexicon if lexicon is not None else self.lexicon
        if lexicon is None and c.realign and {sdoc.lang, tdoc.lang} == {"zh", "en"}:
            from .lexicon import learn_lexicon, training_pairs

            first = self._align_pass(sdoc, tdoc, cuts, None)
            pairs = training_pairs([first])
            if len(pairs) < c.realign:
                return first
            t0 = time.perf_counter()
            lexicon = learn_lexicon(pairs)
            t_learn = time.perf_counter() - t0
            al = self._align_pass(sdoc, tdoc, cuts, lexicon)
            for k in ("seconds_embed", "seconds_search", "seconds", "windows_embedded"):
                al.stats[k] = round(al.stats[k] + first.stats[k], 3)
            al.stats["seconds_lexicon"] = round(t_learn, 3)
            return al
        return self._align_pass(sdoc, tdoc, cuts, lexicon)

    def fit(self, pairs: Sequence[tuple[TextLike, TextLike]]) -> Aligner:
        """Learn one lexicon from a whole corpus; every later :meth:`align` uses it.

        A book is many chapters, a journal many abstracts: each pair is aligned once, a
        lexicon is learned from the confident beads of all of them
        (:func:`~paralign.alignment.lexicon.lexicon_from_alignments`) and kept in
        ``self.lexicon``. Aligning the pairs again then uses what the whole corpus taught
        (the texts only: no gold is involved). Returns ``self``.
        """
        from .lexicon import lexicon_from_alignments

        first = [self._align_pass(*self._documents(s, t, None), None) for s, t in pairs]
        self.lexicon = lexicon_from_alignments(first)
        return self

    def _documents(self, src: TextLike, tgt: TextLike,
                   anchors: Sequence[tuple[int, int]] | None
                   ) -> tuple[Document, Document, list[tuple[int, int]]]:
        """Both sides as checked Documents, and the cuts of the anchors."""
        sdoc = _as_document(src, self.config, "source")
        tdoc = _as_document(tgt, self.config, "target")
        if len(sdoc) == 0 or len(tdoc) == 0:
            raise InputError("one side has no sentences")
        if anchors is None:
            from ..text.bilingual import title_anchor

            anchors = title_anchor(sdoc, tdoc)
        cuts = _check_anchors(anchors, len(sdoc), len(tdoc))
        if sdoc.lang == tdoc.lang and sdoc.lang != "other":
            log.warning("both sides are detected as %s: is one of them the wrong file?", sdoc.tag)
        return sdoc, tdoc, cuts

    def _align_pass(self, sdoc: Document, tdoc: Document, cuts: list[tuple[int, int]],
                    lexicon: Any) -> Alignment:
        """One alignment of two documents, with a learned lexicon or without."""
        t0 = time.perf_counter()
        stats: dict[str, Any] = {"encoder": "+".join(self.encoder_names)}
        encs = self.encoders
        singles_s = [self._encode(e, sdoc.norms) for e in encs]
        singles_t = [self._encode(e, tdoc.norms) for e in encs]
        t_embed = time.perf_counter() - t0
        ls, lt = _unit_lengths(sdoc), _unit_lengths(tdoc)
        ratio = _length_ratio(sdoc, tdoc, ls, lt)
        stats["length_ratio"] = ratio
        nn = self._mutual_neighbours(singles_s[0], singles_t[0])
        params = self._params(ratio, self._length_weight(nn, ls, lt, ratio))
        stats["length_weight"] = round(params.length_weight, 4)
        blocks = [blk for (s0, t0), (s1, t1) in zip(cuts, cuts[1:])
                  for blk in self._blocks(sdoc, tdoc, _Block(s0, s1, t0, t1))]
        stats["blocks"] = len(blocks)
        beads: list[Bead] = []
        n_windows = 0
        t_search = 0.0
        chunks: list[tuple[_Block, list[tuple[int, int]] | None]] = []
        t_chunk = time.perf_counter()
        for blk in blocks:
            chunks.extend(self._chunks(blk, singles_s, singles_t, ls, lt, params))
        t_search += time.perf_counter() - t_chunk
        stats["chunks"] = len(chunks)
        for blk, path in _progress(chunks, self.config.progress):
            r = self._align_block(sdoc, tdoc, blk, singles_s, singles_t, ls, lt, params, path,
                                  lexicon)
            beads.extend(r["beads"])
            n_windows += r["windows"]
            t_embed += r["t_embed"]
            t_search += r["t_search"]
        stats.update(windows_embedded=n_windows, seconds_embed=round(t_embed, 3),
                     seconds_search=round(t_search, 3), seconds=round(time.perf_counter() - t0, 3),
                     sentences=(len(sdoc), len(tdoc)))
        par = self._parallelism(nn, beads, len(sdoc), len(tdoc))
        stats["parallelism"] = par
        if par < PARALLELISM_WARN and len(sdoc) >= 3 and len(tdoc) >= 3:
            names = (f"{sdoc.source} and {tdoc.source}" if sdoc.source and tdoc.source
                     else "the two texts")
            log.warning("%s do not look like translations of each other (parallelism %.2f)",
                        names, par)
        sig = self.signature + (f"|lexicon:{lexicon.signature}" if lexicon is not None else "")
        return Alignment(sdoc, tdoc, beads, signature=sig, parallelism=par, stats=stats)

    # -- internals -----------------------------------------------------------------------
    def _blocks(self, sdoc: Document, tdoc: Document, whole: _Block) -> list[_Block]:
        """Paragraph pairs of ``whole`` as hard anchors when the counts agree, else ``whole``."""
        ps = [i for i in sdoc.paragraph_starts if whole.s0 < i < whole.s1]
        pt = [j for j in tdoc.paragraph_starts if whole.t0 < j < whole.t1]
        if self.config.paragraph_anchors and ps and len(ps) == len(pt):
            ss, es = [whole.s0, *ps], [*ps, whole.s1]
            st, et = [whole.t0, *pt], [*pt, whole.t1]
            return [_Block(a, b, c, d) for a, b, c, d in zip(ss, es, st, et)]
        if self.config.paragraph_anchors and ps and pt:
            log.info("paragraph counts differ (%d vs %d): paragraphs not used as anchors",
                     len(ps) + 1, len(pt) + 1)
        return [whole]

    def _params(self, ratio: float, length_weight: float) -> ScoreParams:
        c = self.config
        return ScoreParams(knn=c.knn, margin_weight=c.margin_weight if c.margin == "knn" else 0.0,
                           length_weight=length_weight, skip=c.skip, ratio=ratio,
                           lexical_weight=c.lexical_weight, share_weight=c.share_weight)

    def _lexical_ok(self, sdoc: Document, tdoc: Document, band: Band, n: int, m: int) -> bool:
        """Dictionary evidence for Chinese-English blocks the search treats exactly."""
        if not self.config.lexical_weight or {sdoc.lang, tdoc.lang} != {"zh", "en"}:
            return False
        if (n + 1) * (m + 1) > LEX_CELLS:
            log.info("block of %d x %d sentences: aligned on embeddings alone (no dictionary)",
                     n, m)
            return False
        return True

    def _chunks(self, blk: _Block, singles_s: list[np.ndarray], singles_t: list[np.ndarray],
                ls: np.ndarray, lt: np.ndarray, params: ScoreParams
                ) -> list[tuple[_Block, list[tuple[int, int]] | None]]:
        """A long block cut at confident anchors into chunks, each with its first-pass path.

        The coarse-to-fine path of the whole block is computed once; cut points are nodes of
        that path in the middle of three consecutive 1-1 beads, about every ``CHUNK``
        source sentences. Each chunk is then searched in a band around its part of the path,
        with memory bounded by the chunk, and dictionary evidence (dense per chunk) on.
        """
        n, m = blk.s1 - blk.s0, blk.t1 - blk.t0
        if (n + 1) * (m + 1) <= EXACT_CELLS:
            return [(blk, None)]
        K = 2
        S = [SideVectors(v[blk.s0:blk.s1], K) for v in singles_s]
        T = [SideVectors(v[blk.t0:blk.t1], K) for v in singles_t]
        path = self._coarse_path(S, T, ls[blk.s0:blk.s1], lt[blk.t0:blk.t1], params)
        on_path = set(path)
        anchors = [(i, j) for i, j in path if 0 < i < n and (i - 1, j - 1) in on_path
                   and (i + 1, j + 1) in on_path]
        cuts: list[tuple[int, int]] = [(0, 0)]
        target = CHUNK
        k = 0
        while target < n - CHUNK // 2 and k < len(anchors):
            while k < len(anchors) and anchors[k][0] < target:
                k += 1
            if k >= len(anchors):
                break
            i, j = anchors[k]
            if i - cuts[-1][0] >= CHUNK // 2 and j > cuts[-1][1] and n - i >= CHUNK // 4:
                cuts.append((i, j))
            target = max(target, i) + CHUNK
        cuts.append((n, m))
        out = []
        for (i0, j0), (i1, j1) in zip(cuts, cuts[1:]):
            seg = [(i - i0, j - j0) for i, j in path if i0 <= i <= i1 and j0 <= j <= j1]
            if not seg or seg[0] != (0, 0):
                seg.insert(0, (0, 0))
            if seg[-1] != (i1 - i0, j1 - j0):
                seg.append((i1 - i0, j1 - j0))
            out.append((_Block(blk.s0 + i0, blk.s0 + i1, blk.t0 + j0, blk.t0 + j1), seg))
        log.info("block of %d x %d sentences: %d chunks at anchors of the coarse path",
                 n, m, len(out))
        return out

    def _align_block(self, sdoc: Document, tdoc: Document, blk: _Block,
                     singles_s: list[np.ndarray], singles_t: list[np.ndarray],
                     ls: np.ndarray, lt: np.ndarray, params: ScoreParams,
                     path: list[tuple[int, int]] | None = None, lexicon: Any = None
                     ) -> dict[str, Any]:
        n, m = blk.s1 - blk.s0, blk.t1 - blk.t0
        out: dict[str, Any] = {"beads": [], "windows": 0, "t_embed": 0.0, "t_search": 0.0}
        if n == 0 or m == 0:
            out["beads"] = ([Bead((blk.s0 + i,), (), NULL_CONF) for i in range(n)]
                            + [Bead((), (blk.t0 + j,), NULL_CONF) for j in range(m)])
            return out
        t0 = time.perf_counter()
        c = self.config
        K = c.max_merge
        types = self.types
        S = [SideVectors(v[blk.s0:blk.s1], K) for v in singles_s]
        T = [SideVectors(v[blk.t0:blk.t1], K) for v in singles_t]
        bls, blt = ls[blk.s0:blk.s1], lt[blk.t0:blk.t1]
        # blocks too large for the exact search arrive from _chunks with their path
        band = full_band(n, m) if path is None else band_from_path(path, n, m, c.band)
        lexical = None
        if self._lexical_ok(sdoc, tdoc, band, n, m):
            from .lexical import LexicalEvidence

            zs, es = (sdoc, tdoc) if sdoc.lang == "zh" else (tdoc, sdoc)
            z0, z1, e0, e1 = ((blk.s0, blk.s1, blk.t0, blk.t1) if sdoc.lang == "zh"
                              else (blk.t0, blk.t1, blk.s0, blk.s1))
            lexical = LexicalEvidence([x.norm for x in zs.sentences[z0:z1]],
                                      [x.norm for x in es.sentences[e0:e1]], K, K, c.max_total,
                                      lexicon)
        scorer = BandScorer(S, T, bls, blt, params, K, lexical=lexical,
                            zh_is_src=sdoc.lang == "zh")
        scorer.calibrate(band)
        out["scale"] = scorer.scales
        # first search: approximate windows, forward and backward
        scores, skip = scorer.band_scores(band, types, approx=True)
        allowed = self._plausible(band, types, scores, skip)
        del scores, skip
        out["t_search"] += time.perf_counter() - t0
        # embed the windows of plausible merges
        t1 = time.perf_counter()
        out["windows"] = self._embed_windows(sdoc, tdoc, blk, S, T, allowed, band)
        out["t_embed"] += time.perf_counter() - t1
        t2 = time.perf_counter()
        scores, skip = scorer.band_scores(band, types, approx=False, allowed=allowed)
        path, total = search(band, types, scores, skip)
        beads = []
        W = band.width
        for i0, i1, j0, j1 in path:
            a, b = i1 - i0, j1 - j0
            if a and b:
                t = types.index((a, b))
                col = j1 - int(band.lo[i1])
                s = float(scores[t][i1, col]) if 0 <= col < W else 0.0
                conf = 1.0 / (1.0 + math.exp(-CONF_A * (s - CONF_B)))
            else:
                conf = NULL_CONF
            beads.append(Bead(tuple(range(blk.s0 + i0, blk.s0 + i1)),
                              tuple(range(blk.t0 + j0, blk.t0 + j1)), round(conf, 4)))
        out["beads"] = beads
        out["t_search"] += time.perf_counter() - t2
        return out

    def _plausible(self, band: Band, types: list[tuple[int, int]], scores: list[np.ndarray],
                   skip: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
        """Merged beads whose best path is within ``prune`` of the best path overall."""
        n, m = band.n, band.m
        _, total, Df = search(band, types, scores, skip, return_table=True)
        rband = reverse_band(band)
        rscores, rskip = _mirror_scores(band, rband, types, scores, skip)
        _, _, Db = search(rband, types, rscores, rskip, return_table=True)
        del rscores, rskip
        lo, hi = band.lo, band.hi
        W = band.width
        idx = np.arange(W)
        rows = np.arange(n + 1)[:, None]
        J = lo[:, None] + idx[None, :]
        in_band = idx[None, :] <= (hi - lo)[:, None]
        # best score of a path from (i, j) to the end, from the mirrored table
        ri = n - rows
        rc = (m - J) - rband.lo[np.clip(ri, 0, n)]
        ok_b = in_band & (rc >= 0) & (rc < rband.width)
        after = np.where(ok_b, Db[np.clip(ri, 0, n), np.clip(rc, 0, rband.width - 1)], NEG)
        allowed: dict[tuple[int, int], np.ndarray] = {}
        thresh = total - self.config.prune
        for t, (a, b) in enumerate(types):
            if a <= 1 and b <= 1:
                continue
            pi = rows - a
            pc = J - b - lo[np.clip(pi, 0, n)]
            ok = in_band & (pi >= 0) & (pc >= 0) & (pc <= (hi - lo)[np.clip(pi, 0, n)])
            before = np.where(ok, Df[np.clip(pi, 0, n), np.clip(pc, 0, W - 1)], NEG)
            allowed[(a, b)] = ok & (before + scores[t] + after >= thresh) & (scores[t] > NEG / 2)
        return allowed

    def _embed_windows(self, sdoc: Document, tdoc: Document, blk: _Block,
                       S: list[SideVectors], T: list[SideVectors],
                       allowed: dict[tuple[int, int], np.ndarray], band: Band) -> int:
        """Embed the windows that plausible merges use; returns how many texts were embedded."""
        need_s: dict[int, set[int]] = {}
        need_t: dict[int, set[int]] = {}
        for (a, b), mask in allowed.items():
            ii, cc = np.nonzero(mask)
            if not len(ii):
                continue
            if a > 1:
                need_s.setdefault(a, set()).update((ii - a).tolist())
            if b > 1:
                need_t.setdefault(b, set()).update((band.lo[ii] + cc - b).tolist())
        count = 0
        for doc, base, sides, need in ((sdoc, blk.s0, S, need_s), (tdoc, blk.t0, T, need_t)):
            sents = doc.sentences   # the block's windows only: long documents come in chunks
            for k, starts_set in sorted(need.items()):
                starts = np.array(sorted(starts_set), dtype=np.int64)
                wins = [[x.norm for x in sents[base + p: base + p + k]] for p in starts]
                for enc, side in zip(self.encoders, sides):
                    side.set_exact(k, starts, self._encode_windows(enc, wins, doc.joiner))
                count += len(wins)
        return count

    def _coarse_path(self, S: list[SideVectors], T: list[SideVectors], ls: np.ndarray,
                     lt: np.ndarray, params: ScoreParams) -> list[tuple[int, int]]:
        """A 1-1/1-2/2-1/2-2 path at this resolution, found coarse-to-fine in linear time."""
        n, m = S[0].n, T[0].n
        if (n + 1) * (m + 1) <= EXACT_CELLS or n < 8 or m < 8:
            band = full_band(n, m)
        else:
            S2 = [SideVectors(_pool(s.single), 2) for s in S]
            T2 = [SideVectors(_pool(t.single), 2) for t in T]
            coarse = self._coarse_path(S2, T2, _pool_lens(ls), _pool_lens(lt), params)
            path = [(min(2 * i, n), min(2 * j, m)) for i, j in coarse]
            band = band_from_path(path, n, m, COARSE_WIDTH)
        types = [(1, 0), (1, 1), (1, 2), (2, 1), (2, 2)]
        scorer = BandScorer(S, T, ls, lt, params, 2)
        scores, skip = scorer.band_scores(band, types, approx=True)
        beads, _ = search(band, types, scores, skip)
        return [(0, 0)] + [(i1, j1) for _, i1, _, j1 in beads]

    @staticmethod
    def _mutual_neighbours(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For up to 400 evenly spaced source sentences: their best target, whether the match
        is mutual, and its similarity (one pass over the target side, shared by the length
        model and the parallelism score)."""
        n = len(X)
        step = max(1, n // 400)
        rows = np.arange(0, n, step)
        Sm = X[rows] @ Y.T
        jstar = Sm.argmax(axis=1)
        best = Sm[np.arange(len(rows)), jstar]
        back = (Y[jstar] @ X.T).argmax(axis=1)
        return rows, jstar, np.where(back == rows, best, -np.inf)

    def _length_weight(self, nn, ls: np.ndarray, lt: np.ndarray, ratio: float) -> float:
        """Weight of the length penalty, adapted to how literal the translation is.

        Gale & Church's insight: the variance of the length ratio is a property of the text
        pair. It is estimated from the confident mutual nearest neighbours (mostly true 1-1
        translations) and the weight set inversely to it, so that a literal translation (the
        Bible: variance 0.05) leans on lengths more than a free literary one (0.07-0.16).
        ``length_weight`` is the weight at the typical variance (0.105).
        """
        base = self.config.length_weight
        rows, jstar, sim = nn
        ok = np.isfinite(sim)
        if ok.sum() < 20 or not base:
            return base
        sim_ok = sim[ok]
        keep = sim_ok >= np.median(sim_ok)
        v = np.log(lt[jstar[ok][keep]] / (ratio * ls[rows[ok][keep]]))
        var = float(np.var(v))
        if not np.isfinite(var) or var <= 0:
            return base
        return float(np.clip(base * TYPICAL_LENGTH_VAR / var, base / 2, base * 2))

    def _parallelism(self, nn, beads: list[Bead], n: int, m: int) -> float:
        """Share of sampled sentences whose mutual nearest neighbour lies in their own bead.

        Independent of the encoder's cosine range: for two translations most sentences find
        each other as mutual best matches, and those matches agree with the monotone path;
        for unrelated texts the mutual matches are few and scattered.
        """
        if n == 0 or m == 0:
            return 0.0
        rows, jstar, sim = nn
        step = max(1, n // 400)
        bead_of_src = {}
        for b in beads:
            for i in b.src:
                bead_of_src[i] = b
        hits = 0
        for r, i in enumerate(rows):
            if not np.isfinite(sim[r]):
                continue
            b = bead_of_src.get(int(i))
            if b is None or not b.tgt:
                continue
            if b.tgt[0] - 2 <= jstar[r] <= b.tgt[-1] + 2:
                hits += 1
        return round(hits / min(len(rows), max(1, int(m / step))), 4)


def _check_anchors(anchors: Sequence[tuple[int, int]], n: int, m: int) -> list[tuple[int, int]]:
    """``[(0, 0), *anchors, (n, m)]`` after checking that the anchors are monotone and inside."""
    cuts = [(0, 0)]
    for a in anchors:
        i, j = (int(x) for x in a)
        pi, pj = cuts[-1]
        if not (pi <= i <= n and pj <= j <= m) or (i, j) == (pi, pj):
            raise InputError(f"anchor {(i, j)} is not after {(pi, pj)} and within the "
                             f"{n} x {m} sentences")
        cuts.append((i, j))
    if cuts[-1] != (n, m):
        cuts.append((n, m))
    return cuts


def _progress(chunks: list, progress: bool | None):
    """The chunks of a long document, with a progress bar on stderr as ``progress`` asks
    (``None``: when stderr is a terminal): the search of a long document takes seconds
    after the embedding bars are gone."""
    from ..embed.base import show_progress

    if len(chunks) < 2 or not show_progress(progress):
        return chunks
    from tqdm.auto import tqdm

    return tqdm(chunks, desc="aligning", unit="chunk", leave=False)


def _unit_rows(vectors: Any, n: int, what: str) -> np.ndarray:
    """An encoder's output as float32 unit rows, checked to have one row per input."""
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim != 2 or len(v) != n:
        raise RuntimeError(f"encoder returned shape {v.shape} for {n} {what}")
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms > 0, norms, 1.0)


def _mirror_scores(band: Band, rband: Band, types: list[tuple[int, int]],
                   scores: list[np.ndarray], skip: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Scores of the mirrored problem (both sides read backwards), taken from the forward ones.

    A bead is the same bead read in either direction: the one of type (a, b) that ends at
    node (i', j') of the mirrored lattice is the one that ends at (n - i' + a, m - j' + b)
    of the forward lattice. Beads whose forward end lies outside the band are left out, as
    the forward search leaves them out.
    """
    n, m = band.n, band.m
    W = band.width
    span = band.hi - band.lo
    idx = np.arange(rband.width)
    ri = np.arange(n + 1)[:, None]
    rJ = rband.lo[:, None] + idx[None, :]
    in_rband = idx[None, :] <= (rband.hi - rband.lo)[:, None]

    def gather(arr: np.ndarray, a: int, b: int) -> np.ndarray:
        fi = n - ri + a
        fj = m - rJ + b
        fic = np.clip(fi, 0, n)
        fc = fj - band.lo[fic]
        ok = in_rband & (fi <= n) & (fj <= m) & (fc >= 0) & (fc <= span[fic])
        return np.where(ok, arr[fic, np.clip(fc, 0, W - 1)], np.float32(NEG)).astype(np.float32)

    return [gather(sc, a, b) for sc, (a, b) in zip(scores, types)], gather(skip, 0, 1)


def _pool(v: np.ndarray) -> np.ndarray:
    """Sum consecutive pairs of vectors (the last alone when odd), renormalized."""
    n = len(v)
    h = n // 2
    out = v[: 2 * h: 2] + v[1: 2 * h: 2]
    if n % 2:
        out = np.vstack([out, v[-1:]])
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def _pool_lens(x: np.ndarray) -> np.ndarray:
    n = len(x)
    h = n // 2
    out = x[: 2 * h: 2] + x[1: 2 * h: 2]
    return np.concatenate([out, x[-1:]]) if n % 2 else out


def align(src: TextLike, tgt: TextLike, config: AlignConfig | None = None, **changes: Any) -> Alignment:
    """Align two texts (or sentence lists, or Documents); settings as in :class:`AlignConfig`.

    A one-off convenience: the encoder stays loaded for the process, so repeated calls are
    cheap, but an :class:`Aligner` is the way to align many pairs with one configuration.
    """
    return Aligner(config, **changes).align(src, tgt)
