"""search: the chunks cut at anchors of a coarse path."""

from __future__ import annotations

import numpy as np
import pytest


def _reference_path_chunks(blk, path):
    """chunk_block's cuts as first written: anchors by set membership, cuts by a scan."""
    from paralign.alignment.search import CHUNK, MIN_CHUNK, MIN_TAIL, Block, Chunk

    n, m = blk.n, blk.m
    on_path = set(path)
    anchors = [(i, j) for i, j in path if 0 < i < n and (i - 1, j - 1) in on_path
               and (i + 1, j + 1) in on_path]
    cuts = [(0, 0)]
    target = CHUNK
    k = 0
    while target < n - MIN_CHUNK and k < len(anchors):
        while k < len(anchors) and anchors[k][0] < target:
            k += 1
        if k >= len(anchors):
            break
        i, j = anchors[k]
        if i - cuts[-1][0] >= MIN_CHUNK and j > cuts[-1][1] and n - i >= MIN_TAIL:
            cuts.append((i, j))
        target = max(target, i) + CHUNK
    cuts.append((n, m))
    at = {node: k for k, node in enumerate(path)}
    out = []
    for (i0, j0), (i1, j1) in zip(cuts, cuts[1:]):
        seg = [(i - i0, j - j0) for i, j in path[at[(i0, j0)]:at[(i1, j1)] + 1]]
        out.append(Chunk(Block(blk.s0 + i0, blk.s0 + i1, blk.t0 + j0, blk.t0 + j1), seg))
    return out


@pytest.mark.parametrize("seed,n,m,steps", [
    (0, 3000, 3100, "diagonal"), (1, 2500, 4000, "mixed"), (2, 4000, 1800, "mixed"),
    (3, 1200, 1200, "nulls"), (4, 900, 5, "nulls"), (5, 5, 900, "mixed"), (6, 2000, 2000, "none")])
def test_path_chunks_equal_the_set_based_cuts(seed, n, m, steps):
    """The anchors and cuts of a coarse path, by binary search over its numbered nodes, are
    those of set membership and a scan; 0-1 and 1-0 steps included."""
    from paralign.alignment.search import Block, _path_chunks

    rng = np.random.default_rng(seed)
    moves = {"diagonal": [(1, 1)] * 8 + [(1, 2), (2, 1)],
             "mixed": [(1, 1)] * 4 + [(1, 0), (0, 1), (1, 2), (2, 1), (2, 2)],
             "nulls": [(1, 1)] * 2 + [(1, 0), (0, 1)],
             "none": [(1, 2), (2, 1), (1, 0), (0, 1)]}[steps]
    i = j = 0
    path = [(0, 0)]
    while i < n or j < m:
        a, b = moves[rng.integers(len(moves))]
        a, b = (a, b) if i + a <= n and j + b <= m else ((1, 0) if i < n else (0, 1))
        i, j = i + a, j + b
        path.append((i, j))
    blk = Block(7, 7 + n, 11, 11 + m)
    got = _path_chunks(blk, np.array(path, np.int64))
    want = _reference_path_chunks(blk, path)
    assert got == want
    assert all(type(x) is int for ch in got for node in ch.path for x in node)
    if steps in ("diagonal", "mixed") and min(n, m) > 2000:
        assert len(got) > 3    # cut at anchors, not one chunk
