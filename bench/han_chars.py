#!/usr/bin/env python3
"""Which inputs could the one Han definition have changed? Characters by range, per set.

    python bench/han_chars.py DATA_DIR

Unifying the Han regexes (paralign.text.han) widened some of them: decoding's common
characters and the dictionary stages read U+4E00-9FFF only before, the sentence splitter's
Han-like class and the line joiner lacked the supplementary planes. A bead can change only
where a text holds a character in a range a stage now reads differently. Printed per set
(the ``--sets`` of DATA_DIR plus the shipped corpora): the characters of both sides, raw and
in the matching view (after OpenCC), that are Han outside U+4E00-9FFF, and those in the
supplementary planes (U+20000-3134F).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

OUTSIDE_URO = re.compile("[\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]")
SUPPLEMENTARY = re.compile("[\U00020000-\U0003134f]")


def main(argv: list[str] | None = None) -> int:
    from paralign import text as T

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--sets", default="mac_dev,mac_dev_trad,bible_en_zh")
    args = ap.parse_args(argv)
    rows = []
    for name in args.sets.split(","):
        texts = []
        for side in ("src", "tgt"):
            for f in sorted((args.data / name / side).iterdir()):
                doc = T.read_presplit(f)
                texts += [s.text for s in doc] + [s.norm for s in doc]
        rows.append((name, texts))
    texts = []
    for f in sorted((ROOT / "corpora").rglob("*.txt")):
        raw = T.read_file(f)
        texts.append(raw)
        if "bible" in f.parts:
            texts += [s.norm for s in T.segment(raw)]
    rows.append(("samples", texts))
    print("| set | Han outside U+4E00-9FFF | of them U+20000-3134F | characters seen |")
    print("|---|---|---|---|")
    for name, ts in rows:
        seen = sorted({c for t in ts for c in OUTSIDE_URO.findall(t)})
        print(f"| {name} | {sum(len(OUTSIDE_URO.findall(t)) for t in ts)} | "
              f"{sum(len(SUPPLEMENTARY.findall(t)) for t in ts)} | {' '.join(seen) or '-'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
