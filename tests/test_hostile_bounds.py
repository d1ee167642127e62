"""Resource bounds on hostile sizes: line splitting is one pass (bench/segment.py shows it
linear) and gives exactly the spans of the quadratic splitter it replaced.
"""

from __future__ import annotations

import pytest

from paralign.text.paragraphs import line_spans


def _reference_line_spans(text, start=0, end=None):
    """The old (quadratic) splitter: the new one must give exactly its spans."""
    end = len(text) if end is None else end
    out, pos = [], start
    while pos < end:
        nl, cr = text.find("\n", pos, end), text.find("\r", pos, end)
        brk = min(x for x in (nl, cr, end) if x >= 0)
        out.append((pos, brk))
        if brk >= end:
            break
        pos = brk + (2 if text.startswith("\r\n", brk) else 1)
    return out


@pytest.mark.parametrize("text", ["", "a", "a\n", "\n", "a\r\nb", "a\rb\n\nc", "\r\n\r\n", "x\r",
                                  "ab\n\r\ncd\r\r", "一\u2028二\n三", "abc\ndef\n" * 50])
def test_line_spans_match_the_old_splitter_on_every_slice(text):
    for s in range(len(text) + 1):
        for e in [None, *range(s, len(text) + 1)]:
            assert line_spans(text, s, e) == _reference_line_spans(text, s, e), (text, s, e)
