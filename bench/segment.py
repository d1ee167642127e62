"""Segmentation time against the number of lines (a benchmark, not a test).

A hard-wrapped English text (and a Chinese one) of N lines, no carriage returns, goes
through :func:`paralign.text.segment`; the table gives the median seconds of ``--repeat``
runs, the ratio to the previous size (linear: about the size ratio; quadratic: its
square), and, side by side in the same run, the line splitter alone against the one this
replaced (which searched for ``\\r`` afresh from every line: quadratic in the lines).

    python bench/segment.py                       # 10k 20k 40k 100k lines
    python bench/segment.py --lines 1000 5000 --repeat 1
"""

from __future__ import annotations

import argparse
import statistics
import time

from paralign.text import segment
from paralign.text.paragraphs import line_spans

EN_LINE = "the quick brown fox jumps over the lazy dog and runs on"
ZH_LINE = "我们今天去公园天气很好孩子们在草地上玩"


def old_line_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The line splitter before the fix, kept here only to measure it side by side."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        cr = text.find("\r", pos, end)
        brk = min(x for x in (nl, cr, end) if x >= 0)
        out.append((pos, brk))
        if brk >= end:
            break
        pos = brk + (2 if text.startswith("\r\n", brk) else 1)
    return out


def make_text(n: int, lang: str) -> str:
    """``n`` wrapped lines; a sentence ends every 3 lines, a paragraph every 12."""
    lines = []
    for i in range(n):
        if lang == "en":
            line = f"{EN_LINE} {i}" + ("." if i % 3 == 2 else "")
        else:
            line = ZH_LINE + ("。" if i % 3 == 2 else "，")
        lines.append(line)
        if i % 12 == 11:
            lines.append("")
    return "\n".join(lines) + "\n"


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, nargs="+", default=[10_000, 20_000, 40_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--old-up-to", type=int, default=40_000,
                    help="measure the old quadratic splitter up to this many lines")
    args = ap.parse_args()
    segment(make_text(50, "en"), lang="en")  # load the sentence models once, outside the timing
    segment(make_text(50, "zh"), lang="zh")
    print(f"{'lines':>8} {'lang':>4} {'segment s':>10} {'ratio':>6} {'sentences':>10} "
          f"{'split s':>9} {'old split s':>12} {'old/new':>8}")
    prev: dict[str, float] = {}
    for n in args.lines:
        for lang in ("en", "zh"):
            text = make_text(n, lang)
            holder = {}
            seg = median_seconds(lambda: holder.update(doc=segment(text, lang=lang)),
                                 args.repeat)
            split = median_seconds(lambda: line_spans(text), args.repeat)
            old = median_seconds(lambda: old_line_spans(text), args.repeat) \
                if n <= args.old_up_to else float("nan")
            ratio = seg / prev[lang] if lang in prev else float("nan")
            prev[lang] = seg
            print(f"{n:>8} {lang:>4} {seg:>10.2f} {ratio:>6.2f} {len(holder['doc']):>10} "
                  f"{split:>9.4f} {old:>12.4f} {old / split:>8.1f}")


if __name__ == "__main__":
    main()
