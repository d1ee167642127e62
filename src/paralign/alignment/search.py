"""Where to search: paragraph blocks, coarse-to-fine paths, chunks, and pruning of merges.

The dynamic programming of :mod:`paralign.alignment.dp` is exact over the cells it is given;
this module decides which cells those are, so that cost stays linear in document length:

* caller-given anchors (a bilingual file's title pair) are hard bead boundaries, and so are
  paragraph pairs when both sides of a stretch have as many paragraphs (hunalign uses
  ``<p>`` the same way): each pair is a :class:`Block` searched on its own;
* a block too large for the exact search (more than ``EXACT_CELLS`` lattice cells) gets a
  coarse-to-fine path (sentence vectors pooled in pairs, level after level, aligned
  1-1/1-2/2-1/2-2 at the coarsest level and refined in a band at each finer one) and is cut
  at confident anchors of that path into :class:`Chunk` s of about ``CHUNK`` source
  sentences, each searched in a band around its part of the path;
* within a chunk, a first search with approximate window vectors gives, from a forward and
  a mirrored backward pass, the best total score of a path through every candidate bead;
  only merges within ``prune`` of the optimum stay plausible (:func:`plausible_merges`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..text.document import Document
from . import band_kernels, kernels
from .dp import KERNEL_ROWS, NEG, Band, band_from_path, full_band, reverse_band, search
from .scoring import BandScorer, ScoreParams
from .similarity import SideVectors, row_norms

__all__ = ["Block", "Chunk", "anchor_blocks", "paragraph_blocks", "chunk_block", "coarse_path", "chunk_band",
           "plausible_merges", "mirror_scores", "EXACT_CELLS", "CHUNK"]

log = logging.getLogger("paralign.alignment")

Path = list[tuple[int, int]]

# Exact search over the whole lattice up to this many cells; a band beyond.
EXACT_CELLS = 400_000
# Long blocks are cut into chunks of about this many source sentences (at anchors)...
CHUNK = 400
# ...each at least this long (a cut this soon after the previous one is skipped)...
MIN_CHUNK = CHUNK // 2
# ...and leaving at least this many source sentences after the cut.
MIN_TAIL = CHUNK // 4
# Half-width of the bands of the coarse-to-fine first pass.
COARSE_WIDTH = 8
# Pooling stops when a side has fewer sentences than this (nothing left to halve).
COARSE_MIN_SENTENCES = 8
# Bead types of the coarse path (windows of at most two pooled sentences).
COARSE_KMAX = 2
COARSE_TYPES = ((1, 0), (1, 1), (1, 2), (2, 1), (2, 2))


@dataclass(frozen=True)
class Block:
    """Source sentences ``s0 .. s1 - 1`` against target sentences ``t0 .. t1 - 1``."""

    s0: int
    s1: int
    t0: int
    t1: int

    @property
    def n(self) -> int:
        return self.s1 - self.s0

    @property
    def m(self) -> int:
        return self.t1 - self.t0

    def cells(self) -> int:
        """Nodes of the block's lattice."""
        return (self.n + 1) * (self.m + 1)


@dataclass(frozen=True)
class Chunk:
    """A block to search, with its part of the coarse path (``None``: search every cell)."""

    block: Block
    path: Path | None = None


def anchor_blocks(anchors: Sequence[tuple[int, int]], n: int, m: int) -> list[Block]:
    """The stretches between caller-given hard boundaries ``(i, j)`` of an n x m pair.

    Raises :class:`~paralign.errors.InputError` unless the anchors are monotone, distinct
    and inside the pair.
    """
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
    return [Block(s0, s1, t0, t1) for (s0, t0), (s1, t1) in zip(cuts, cuts[1:])]


def paragraph_blocks(sdoc: Document, tdoc: Document, whole: Block,
                     anchors: bool = True) -> list[Block]:
    """Paragraph pairs of ``whole`` as hard anchors when the counts agree (and ``anchors``),
    else ``whole``."""
    ps = [i for i in sdoc.paragraph_starts if whole.s0 < i < whole.s1]
    pt = [j for j in tdoc.paragraph_starts if whole.t0 < j < whole.t1]
    if anchors and ps and len(ps) == len(pt):
        ss, es = [whole.s0, *ps], [*ps, whole.s1]
        st, et = [whole.t0, *pt], [*pt, whole.t1]
        return [Block(a, b, c, d) for a, b, c, d in zip(ss, es, st, et)]
    if anchors and ps and pt:
        log.info("paragraph counts differ (%d vs %d): paragraphs not used as anchors",
                 len(ps) + 1, len(pt) + 1)
    return [whole]


def chunk_band(chunk: Chunk, width: int) -> Band:
    """The cells a chunk is searched in: all of them, or a band of half-width ``width``."""
    n, m = chunk.block.n, chunk.block.m
    return full_band(n, m) if chunk.path is None else band_from_path(chunk.path, n, m, width)


def chunk_block(blk: Block, singles_s: list[np.ndarray], singles_t: list[np.ndarray],
                ls: np.ndarray, lt: np.ndarray, params: ScoreParams) -> list[Chunk]:
    """A block, or a long block cut at confident anchors into chunks with their paths.

    The coarse-to-fine path of the whole block is computed once; cut points are nodes of
    that path in the middle of three consecutive 1-1 beads, about every ``CHUNK`` source
    sentences. Each chunk is then searched in a band around its part of the path, with
    memory bounded by the chunk, and dictionary evidence (dense per chunk) on.
    ``singles_*`` are the documents' sentence vectors per encoder, ``ls``, ``lt`` their
    lengths (whole documents; the block picks its part).
    """
    n, m = blk.n, blk.m
    if blk.cells() <= EXACT_CELLS:
        return [Chunk(blk)]
    S = [SideVectors(v[blk.s0:blk.s1], COARSE_KMAX) for v in singles_s]
    T = [SideVectors(v[blk.t0:blk.t1], COARSE_KMAX) for v in singles_t]
    out = _path_chunks(blk, coarse_path(S, T, ls[blk.s0:blk.s1], lt[blk.t0:blk.t1], params))
    log.info("block of %d x %d sentences: %d chunks at anchors of the coarse path",
             n, m, len(out))
    return out


def _path_chunks(blk: Block, path: np.ndarray) -> list[Chunk]:
    """The chunks of ``blk`` cut at anchors of its coarse path ``path`` (:func:`coarse_path`'s
    ``(k, 2)`` nodes), each with its part of the path (see :func:`chunk_block`)."""
    n, m = blk.n, blk.m
    # anchors: nodes (i, j), 0 < i < n, with (i - 1, j - 1) and (i + 1, j + 1) on the path.
    # The nodes are distinct and in lexicographic order (every bead moves on): numbered
    # i * (m + 1) + j they rise strictly, and a node is on the path when a binary search
    # finds its number there
    key = path[:, 0] * (m + 1) + path[:, 1]

    def on_path(x: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(key, x), len(key) - 1)
        return key[at] == x

    rows_, cols = path[:, 0], path[:, 1]
    at_anchor = np.flatnonzero((rows_ > 0) & (rows_ < n) & (cols > 0) & (cols < m)
                               & on_path(key - (m + 2)) & on_path(key + (m + 2)))
    anchor_i = path[at_anchor, 0]
    cuts: list[int] = [0]             # positions on the path
    target = CHUNK
    k = 0
    while target < n - MIN_CHUNK and k < len(at_anchor):
        # the first anchor at or after `target` (rows do not fall along the path)
        k = max(k, int(np.searchsorted(anchor_i, target, "left")))
        if k >= len(at_anchor):
            break
        q = int(at_anchor[k])
        i, j = int(path[q, 0]), int(path[q, 1])
        last_i, last_j = int(path[cuts[-1], 0]), int(path[cuts[-1], 1])
        if i - last_i >= MIN_CHUNK and j > last_j and n - i >= MIN_TAIL:
            cuts.append(q)
        target = max(target, i) + CHUNK
    cuts.append(len(path) - 1)        # (n, m), the path's last node
    out = []
    # the nodes between two cuts are the slice of the path between them
    for qa, qb in zip(cuts, cuts[1:]):
        (i0, j0), (i1, j1) = path[qa].tolist(), path[qb].tolist()
        seg = list(map(tuple, (path[qa:qb + 1] - path[qa]).tolist()))
        out.append(Chunk(Block(blk.s0 + i0, blk.s0 + i1, blk.t0 + j0, blk.t0 + j1), seg))
    return out


def coarse_path(S: list[SideVectors], T: list[SideVectors], ls: np.ndarray, lt: np.ndarray,
                params: ScoreParams) -> np.ndarray:
    """A 1-1/1-2/2-1/2-2 path at this resolution, found coarse-to-fine in linear time: its
    nodes from ``(0, 0)`` to ``(n, m)`` as a ``(k, 2)`` int64 array (a long document's path
    has a node per sentence or so: as Python tuples they cost a third of its searches)."""
    n, m = S[0].n, T[0].n
    if (n + 1) * (m + 1) <= EXACT_CELLS or n < COARSE_MIN_SENTENCES or m < COARSE_MIN_SENTENCES:
        band = full_band(n, m)
    else:
        S2 = [SideVectors(_pool(s.single), COARSE_KMAX) for s in S]
        T2 = [SideVectors(_pool(t.single), COARSE_KMAX) for t in T]
        coarse = coarse_path(S2, T2, _pool_lens(ls), _pool_lens(lt), params)
        band = band_from_path(np.minimum(2 * coarse, np.array([n, m], np.int64)), n, m,
                              COARSE_WIDTH)
    scorer = BandScorer(S, T, ls, lt, params, COARSE_KMAX, band)
    scores, skip = scorer.band_scores(COARSE_TYPES, approx=True)
    beads, _ = search(band, COARSE_TYPES, scores, skip, as_array=True)
    nodes = np.zeros((len(beads) + 1, 2), np.int64)
    nodes[1:, 0] = beads[:, 1]
    nodes[1:, 1] = beads[:, 3]
    return nodes


def _pool(v: np.ndarray) -> np.ndarray:
    """Sum consecutive pairs of vectors (the last alone when odd), renormalized."""
    n = len(v)
    h = n // 2
    out = np.empty((h + n % 2,) + v.shape[1:], v.dtype)   # the sums, in place (no stacking)
    np.add(v[: 2 * h: 2], v[1: 2 * h: 2], out=out[:h])
    if n % 2:
        out[h] = v[-1]
    out /= np.maximum(row_norms(out), 1e-9)[:, None]
    return out.astype(np.float32, copy=False)


def _pool_lens(x: np.ndarray) -> np.ndarray:
    """Lengths of the pooled sentences: consecutive pairs summed (the last alone when odd)."""
    n = len(x)
    h = n // 2
    out = x[: 2 * h: 2] + x[1: 2 * h: 2]
    return np.concatenate([out, x[-1:]]) if n % 2 else out


# -- pruning: which merges are worth embedding ---------------------------------------------------
def plausible_merges(band: Band, types: list[tuple[int, int]], scores: list[np.ndarray],
                     skip: np.ndarray, prune: float) -> dict[tuple[int, int], np.ndarray]:
    """Merged beads whose best path is within ``prune`` of the best path overall.

    ``allowed[(a, b)]`` (band layout) is True where the best path through the a-b bead ending
    at that cell scores at least the optimum minus ``prune``: the best prefix to its start
    (forward table) plus its score plus the best suffix from its end (the table of the
    mirrored problem, whose scores :func:`mirror_scores` reads off the forward ones; on long
    blocks the compiled :func:`paralign.alignment.kernels.dp_suffix`, the same table from
    the forward arrays).
    """
    n, m = band.n, band.m
    lo, hi = band.lo, band.hi
    W = band.width
    idx = np.arange(W)
    rows = np.arange(n + 1)[:, None]
    J = lo[:, None] + idx[None, :]
    in_band = idx[None, :] <= (hi - lo)[:, None]
    suffix = kernels.compiled("dp_suffix") if n + 1 >= KERNEL_ROWS else None
    if suffix is not None:
        # the best suffixes from a backward pass over the forward arrays (the mirrored
        # search's values bit for bit, without the mirrored copies)
        stacked = np.stack([np.asarray(s) for s in scores], axis=1)
        _, total, Df = search(band, types, scores, skip, return_table=True, path=False,
                              stacked=stacked)
        after = np.empty((n + 1, W))
        suffix(after, stacked, np.array([a for a, _ in types], np.int64),
               np.array([b for _, b in types], np.int64), lo.astype(np.int64),
               (hi - lo).astype(np.int64), np.ascontiguousarray(skip), np.empty(W, np.float32))
        del stacked
    else:
        _, total, Df = search(band, types, scores, skip, return_table=True, path=False)
        rband = reverse_band(band)
        rscores, rskip = mirror_scores(band, rband, types, scores, skip)
        _, _, Db = search(rband, types, rscores, rskip, return_table=True, path=False)
        del rscores, rskip
        # best score of a path from (i, j) to the end, from the mirrored table
        ri = n - rows
        rc = (m - J) - rband.lo[np.clip(ri, 0, n)]
        ok_b = in_band & (rc >= 0) & (rc < rband.width)
        after = np.where(ok_b, Db[np.clip(ri, 0, n), np.clip(rc, 0, rband.width - 1)], NEG)
    allowed: dict[tuple[int, int], np.ndarray] = {}
    thresh = total - prune
    kernel = band_kernels.compiled("plausible_cells") if n + 1 >= KERNEL_ROWS else None
    for t, (a, b) in enumerate(types):
        if a <= 1 and b <= 1:
            continue
        if kernel is not None:
            ok = np.empty((n + 1, W), bool)
            kernel(a, b, lo, hi - lo, Df, after, scores[t], thresh, ok)
            allowed[(a, b)] = ok
            continue
        pi = rows - a
        pc = J - b - lo[np.clip(pi, 0, n)]
        ok = in_band & (pi >= 0) & (pc >= 0) & (pc <= (hi - lo)[np.clip(pi, 0, n)])
        before = np.where(ok, Df[np.clip(pi, 0, n), np.clip(pc, 0, W - 1)], NEG)
        allowed[(a, b)] = ok & (before + scores[t] + after >= thresh) & (scores[t] > NEG / 2)
    return allowed


def mirror_scores(band: Band, rband: Band, types: list[tuple[int, int]],
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

    kernel = band_kernels.compiled("mirror_gather") if n + 1 >= KERNEL_ROWS else None

    def gather(arr: np.ndarray, a: int, b: int) -> np.ndarray:
        if kernel is not None:
            out = np.empty((n + 1, rband.width), np.float32)
            kernel(arr, a, b, band.lo, span, m, rband.lo, rband.hi - rband.lo, out)
            return out
        fi = n - ri + a
        fj = m - rJ + b
        fic = np.clip(fi, 0, n)
        fc = fj - band.lo[fic]
        ok = in_rband & (fi <= n) & (fj <= m) & (fc >= 0) & (fc <= span[fic])
        return np.where(ok, arr[fic, np.clip(fc, 0, W - 1)], np.float32(NEG)).astype(np.float32)

    return [gather(sc, a, b) for sc, (a, b) in zip(scores, types)], gather(skip, 0, 1)
