"""Atomic file writing: a file appears under its final name complete, or not at all.

Every writer in :mod:`paralign.corpus` goes through :func:`atomic_write`: the data goes to a
temporary file in the *same folder* (so that :func:`os.replace` is a rename on one file
system, atomic on POSIX and Windows), is flushed and fsync'ed, then renamed over the final
name. An export interrupted half-way (Ctrl-C, SIGKILL, a full disk, an exception in the
writer) therefore never leaves a truncated file that looks finished; on an exception the
temporary file is removed as well. Only a SIGKILL can leave a ``.NAME.*.tmp`` behind, and
never under the final name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write"]

log = logging.getLogger(__name__)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = "") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success, fsync it and rename it to ``path``.

    Args:
        path: the final file name.
        mode: ``"w"`` (text) or ``"wb"`` (binary).
        encoding, newline: for text mode (``newline=""`` writes ``\\n`` as is on every
            platform, so that files are byte-identical everywhere).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', got {mode!r}")
    final = Path(path)
    folder = final.parent if str(final.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~_umask())
        if "b" in mode:
            f = os.fdopen(fd, mode)
        else:
            f = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
