"""``python tests/batch_cli.py DELAY ARGS...``: the real ``paralign`` command line, with the
batch's aligner replaced by :class:`fake_aligners.LineAligner` (sleeping DELAY seconds a pair).

How the batch tests kill and resume a real batch, worker processes included, in seconds. The
replacement is made here, by the test side; the library has no hook for it. Workers are
spawned, so they find ``fake_aligners`` through the parent's ``sys.path`` (this folder).
"""

from __future__ import annotations

import functools
import sys

from fake_aligners import LineAligner

from paralign import cli, pipeline


def main(argv: list[str]) -> int:
    delay = float(argv[0])
    pipeline.run_batch = functools.partial(
        pipeline.run_batch, make_aligner=functools.partial(LineAligner, delay=delay))
    return cli.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
