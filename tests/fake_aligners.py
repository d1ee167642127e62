"""A cheap deterministic aligner for the batch tests (no encoder); no tests here.

:class:`LineAligner` has the shape :func:`paralign.pipeline.run_batch` builds in each worker
(``LineAligner(config)`` then ``.align(src, tgt)``), so the batch machinery (reading and
checking each pair, processes, kills, resumption) runs for real in seconds. It lives here,
not in the library: the tests inject it with ``make_aligner=``.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import warnings

from paralign.alignment.bead import Alignment, Bead
from paralign.config import AlignConfig
from paralign.text.document import Document


POISON = "POISON"  # a Chinese side holding this kills the process that aligns it
WARN = "WARN-ME"  # a Chinese side holding this logs a warning and warns (warnings module)


class LineAligner:
    """Sentence *i* with sentence *i*, extras unaligned; the score depends on the lengths.

    ``delay``: seconds to sleep per pair (so that a test can kill a batch half-way). A source
    holding :data:`POISON` SIGKILLs the process aligning it (a pair that kills its worker);
    one holding :data:`WARN` logs a warning and issues a Python warning.
    A ``lexicon`` given to ``align`` (a batch's second pass) is recorded in the signature.
    """

    def __init__(self, config: AlignConfig | None = None, *, delay: float = 0.0) -> None:
        self.config = config or AlignConfig()
        self.delay = delay

    def __repr__(self) -> str:  # stable: part of a Dask task key
        return f"LineAligner(delay={self.delay})"

    def align(self, src: Document, tgt: Document, lexicon: object = None) -> Alignment:
        if any(POISON in t for t in src.texts):
            os.kill(os.getpid(), signal.SIGKILL)
        if any(WARN in t for t in src.texts):
            logging.getLogger("paralign.alignment").warning("a warning from process %d",
                                                            os.getpid())
            warnings.warn("a Python warning from the aligner", UserWarning, stacklevel=1)
        if self.delay:
            time.sleep(self.delay)
        zh, en = src.texts, tgt.texts
        beads = []
        for i in range(max(len(zh), len(en))):
            s = (i,) if i < len(zh) else ()
            t = (i,) if i < len(en) else ()
            if s and t:
                a, b = 3 * len(zh[i]), len(en[i])
                score = round(0.5 + 0.5 * min(a, b) / max(a, b, 1), 4)
            else:
                score = 0.0
            beads.append(Bead(s, t, score))
        signature = "line-aligner" + ("" if lexicon is None
                                      else f"|lexicon:{getattr(lexicon, 'signature', '?')}")
        return Alignment(src, tgt, beads, signature=signature)
