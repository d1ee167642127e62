"""Language detection on real English: how often is English taken for another language?

Usage: python bench/detect.py DATA_DIR

Reads every English sentence (one per line) of ``mac_dev/tgt/*`` and ``bible_en_zh/src/*``
(the King James Version: archaic English, the hardest case for a function-word test) and
runs :func:`paralign.text.detect` on each line and on each whole document. Prints, per set,
the lines and documents not detected as English, what they were taken for, how many lines
were decided without the lingua model, and the time per line. Sentences are the shortest
texts paralign ever classifies on their own (a one-sentence paragraph of a bilingual file);
documents are what ``paralign align`` checks.

This is a benchmark, not a test; evaluation data is read in place, never copied.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import time
from pathlib import Path

from paralign.text import detect

D = importlib.import_module("paralign.text.detect")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    args = ap.parse_args()
    rows = []
    for name, folder in (("mac_dev en", args.data / "mac_dev/tgt"),
                         ("bible en (KJV)", args.data / "bible_en_zh/src")):
        files = sorted(p for p in folder.iterdir() if p.is_file())
        wrong: collections.Counter[str] = collections.Counter()
        n = asked = docs_wrong = 0
        t0 = time.perf_counter()
        for f in files:
            text = f.read_text(encoding="utf-8")
            if detect(text).lang != "en":
                docs_wrong += 1
            for line in text.splitlines():
                if not line.strip():
                    continue
                n += 1
                asked += D.needs_model(line)
                det = detect(line)
                if det.lang != "en":
                    wrong[det.language or det.lang] += 1
        dt = time.perf_counter() - t0
        rows.append((name, len(files), docs_wrong, n, sum(wrong.values()), asked,
                     1e3 * dt / max(1, n), dict(wrong)))
    print(f"{'set':<16}{'docs':>6}{'docs not en':>12}{'lines':>8}{'lines not en':>14}"
          f"{'asked lingua':>14}{'ms/line':>9}  taken for")
    for name, nd, dw, n, w, a, ms, what in rows:
        print(f"{name:<16}{nd:>6}{dw:>12}{n:>8}{w:>14}{a:>14}{ms:>9.2f}  {what or '-'}")


if __name__ == "__main__":
    main()
