"""Compare English sentence segmenters on the suite's hard cases (run by hand, not a test).

    python tests/data/text/compare_segmenters.py

Prints, for Punkt+rules (paralign), plain Punkt (same trained parameters, no rules),
nupunkt and pysbd, how many cases each splits exactly as expected.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from test_text_segment import EN_CASES, SEED_EN  # noqa: E402

from paralign.text import segment  # noqa: E402
from paralign.text.segment_en import punkt_tokenizer  # noqa: E402


def norm(xs):
    return [" ".join(x.split()) for x in xs if x.strip()]


def main() -> None:
    import nupunkt
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False)
    cases = EN_CASES + [(" ".join(SEED_EN), SEED_EN)]
    systems = {
        "paralign (Punkt+rules)": lambda t: segment(t, "en").texts,
        "Punkt alone": lambda t: punkt_tokenizer().tokenize(t),
        "nupunkt": nupunkt.sent_tokenize,
        "pysbd": seg.segment,
    }
    for name, fn in systems.items():
        ok = 0
        misses = []
        for text, expected in cases:
            got = norm(fn(text))
            if got == norm(expected):
                ok += 1
            else:
                misses.append(text[:50])
        print(f"{name:24s} {ok}/{len(cases)}")
        for m in misses:
            print("    miss:", m.replace("\n", " "))


if __name__ == "__main__":
    main()
