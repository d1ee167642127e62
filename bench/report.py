"""The HTML report's cost against the number of beads (a benchmark, not a test).

A synthetic Traditional Chinese-English alignment of N beads (every common bead type,
scores spread over [0, 1)) is rendered without its heatmap, then opened in headless Debian
Chromium (``/usr/bin/chromium`` through playwright; no browser is downloaded). The table
gives the median of ``--repeat`` runs: the page's size, the Python render, the load until
the page is ready, a search that marks most rows (``trade``), a Traditional search typed in
Simplified (``贸易``, folded through the page's table), a merge of two beads and its undo,
and the corrections file built for the download; each interaction is timed until the next
frame is painted.

    python bench/report.py                         # 1,000 5,000 20,000 beads
    python bench/report.py --beads 5000 --repeat 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from paralign.alignment.bead import Alignment, Bead
from paralign.report import render_report
from paralign.text.document import Document, Sentence

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KINDS = [(1, 1)] * 6 + [(1, 2), (2, 1), (1, 0), (0, 1)]


def alignment(n: int) -> Alignment:
    zh: list[str] = []
    en: list[str] = []
    beads = []
    for k in range(n):
        a, b = KINDS[k % len(KINDS)]
        s = tuple(range(len(zh), len(zh) + a))
        t = tuple(range(len(en), len(en) + b))
        zh += [f"第{k}個句子講述外交與貿易。"] * a
        en += [f"Sentence {k} is about diplomacy and trade."] * b
        beads.append(Bead(s, t, (k * 37 % 100) / 100))
    return Alignment(Document(tuple(map(Sentence, zh)), lang="zh", script="Hant"),
                     Document(tuple(map(Sentence, en)), lang="en", script="Latn"), beads,
                     signature="bench")


TIMED = """async (js) => {
    const t0 = performance.now();
    (new Function(js))();
    document.body.offsetHeight;
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return (performance.now() - t0) / 1000; }"""

STEPS = {
    "search 'trade' (s)": "const q = document.getElementById('q'); q.value = 'trade'; "
                          "window.paralignReport.apply();",
    "search '贸易' (s)": "const q = document.getElementById('q'); q.value = '贸易'; "
                        "window.paralignReport.apply();",
    "reset (s)": "document.getElementById('clear').click();",
    "merge (s)": "window.paralignReport.select(10); document.getElementById('merge-next').click();",
    "undo (s)": "document.getElementById('undo').click();",
    "corrections (s)": "window.paralignReport.corrections();",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beads", type=int, nargs="+", default=[1000, 5000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="paralign-bench-") as tmp, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(Path(tmp) / "profile"), executable_path=args.chromium, headless=True,
            args=CHROME_ARGS, viewport={"width": 1280, "height": 900})
        for n in args.beads:
            al = alignment(n)
            path = Path(tmp) / f"r{n}.html"
            times: dict[str, list[float]] = {"render (s)": [], "load (s)": []}
            for _ in range(args.repeat):
                t = time.perf_counter()
                render_report(al, path, heatmap=False)
                times["render (s)"].append(time.perf_counter() - t)
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function("window.paralignReport !== undefined")
                times["load (s)"].append(time.perf_counter() - t)
                for label, js in STEPS.items():
                    times.setdefault(label, []).append(page.evaluate(TIMED, js))
                assert page.evaluate("window.paralignReport.check()")
                page.close()
            rows.append((n, path.stat().st_size / 1e6,
                         {k: statistics.median(v) for k, v in times.items()}))
        ctx.close()
    labels = list(rows[0][2])
    print("| beads | page (MB) | " + " | ".join(labels) + " |")
    print("|---" * (len(labels) + 2) + "|")
    for n, mb, med in rows:
        print(f"| {n:,} | {mb:.2f} | " + " | ".join(f"{med[k]:.3f}" for k in labels) + " |")


if __name__ == "__main__":
    main()
