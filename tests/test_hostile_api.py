"""Misuse of the Python API: a clear TypeError or ValueError naming the argument, raised at
the call, never a deep internal error. (The corpus methods have their own table in
test_hostile_corpus.py.) Add a row to extend it.
"""

from __future__ import annotations

import pytest

import paralign as pa
from paralign.errors import InputError
from paralign.evaluation import evaluate_by_type

# (id, call, exception, words the message must hold)
MISUSE = [
    ("evaluate-strings", lambda: pa.evaluate("abc", "abc"), TypeError, "gold must be beads"),
    ("evaluate-floats", lambda: pa.evaluate(1.5, 2.0), TypeError, "gold must be a list"),
    ("evaluate-test-a-path", lambda: pa.evaluate([([0], [0])], "test.align"), TypeError,
     "test must be beads"),
    ("evaluate-list-of-ints", lambda: pa.evaluate([1, 2], [1, 2]), TypeError, "first item is int"),
    ("evaluate-string-indices", lambda: pa.evaluate([([0], [0])], [("0", "1")]), TypeError,
     "test:"),
    ("evaluate-float-indices", lambda: pa.evaluate([([0], [0])], [([0.5], [0])]), TypeError,
     "a bead must be"),
    ("evaluate-none", lambda: pa.evaluate(None, None), TypeError, "gold"),
    ("evaluate-by-type-strings", lambda: evaluate_by_type("ab", "ab"), TypeError, "gold"),
    ("aligner-with-a-dict", lambda: pa.Aligner({"max_merge": 3}), TypeError,
     "config must be an AlignConfig"),
    ("aligner-with-a-string", lambda: pa.Aligner("use-m3"), TypeError, "AlignConfig"),
    ("split-bilingual-none", lambda: pa.split_bilingual(None), TypeError, "split_bilingual"),
    ("split-bilingual-bytes", lambda: pa.split_bilingual("我们。".encode()), TypeError,
     "takes the text as a str"),
    ("read-vecalign-none", lambda: pa.read_vecalign(None), TypeError, "path of an .align"),
    ("corpus-path-a-list", lambda: pa.ParallelCorpus(["c.db"]), TypeError, "path"),
    ("align-none", lambda: pa.align(None, ["x"]), TypeError, "source side must be"),
    ("align-bytes", lambda: pa.align(["x"], b"abc"), TypeError, "target side must be"),
    ("align-ints", lambda: pa.align([1, 2], ["a", "b"]), InputError, "list of strings"),
]


@pytest.mark.parametrize("call, exc, words", [m[1:] for m in MISUSE], ids=[m[0] for m in MISUSE])
def test_misuse_is_refused_naming_the_argument(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    assert words in msg
    assert "\n" not in msg and msg, msg
