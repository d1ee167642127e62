"""Bundled encoders find true translations on the project's own zh-en sentence pairs."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from paralign.embed import get_encoder

PAIRS = Path(__file__).parent / "data" / "embed" / "pairs.tsv"


def _pairs() -> tuple[list[str], list[str]]:
    rows = [
        line.rstrip("\n").split("\t")
        for line in PAIRS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return [r[0] for r in rows], [r[1] for r in rows]


def test_pairs_file_is_varied() -> None:
    zh, en = _pairs()
    assert len(zh) == len(en) >= 30
    assert len(set(zh)) == len(zh) and len(set(en)) == len(en)
    traditional = sum(any(c in z for c in "這國學們來說會時為個裡") for z in zh)
    assert 5 <= traditional <= len(zh) - 5  # both scripts present


@pytest.mark.parametrize(("name", "min_top1"), [("use-m3", 0.9), ("e5-small", 0.9)])
def test_true_translation_ranks_first(name: str, min_top1: float, tmp_path) -> None:
    zh, en = _pairs()
    enc = get_encoder(name, cache_dir=str(tmp_path))
    sims = enc.encode(zh) @ enc.encode(en).T
    top1 = float((sims.argmax(axis=1) == np.arange(len(zh))).mean())
    assert top1 >= min_top1, f"{name}: top-1 {top1:.2f}"
    # and the reverse direction
    assert float((sims.argmax(axis=0) == np.arange(len(en))).mean()) >= min_top1


@pytest.mark.parametrize("name", ["use-m3", "e5-small"])
def test_traditional_and_simplified_agree(name: str) -> None:
    enc = get_encoder(name, cache=False)
    trad, simp = enc.encode(["這是一個關於學習漢語的問題。", "这是一个关于学习汉语的问题。"])
    assert float(trad @ simp) > 0.9
