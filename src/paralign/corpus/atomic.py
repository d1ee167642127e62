"""Atomic file writing: a file appears under its final name complete, or not at all.

Every writer in :mod:`paralign.corpus` goes through :func:`atomic_write`: the data goes to a
temporary file in the *same folder* (so that :func:`os.replace` is a rename on one file
system, atomic on POSIX and Windows), is flushed and fsync'ed, then renamed over the final
name. An export interrupted half-way (Ctrl-C, SIGKILL, a full disk, an exception in the
writer) therefore never leaves a truncated file that looks finished, and the old file under
that name stays as it was; on an exception the temporary file is removed as well.

Only a SIGKILL can leave a temporary file behind, never under the final name. Temporary
files are named ``.NAME.PID.XXXXXXXX.tmp`` so that the next write of the same target can
tell its own stale ones (same user, writing process gone) and remove them.
Before anything is created the target is checked (:func:`paralign.files.check_output`):
a directory, a device, a missing or read-only folder or a name too long is refused at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..files import check_output

__all__ = ["atomic_write", "remove_stale_temporaries"]

log = logging.getLogger(__name__)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: A temporary file without a PID in its name (older paralign) counts as stale after this.
LEGACY_STALE_SECONDS = 3600.0


def _tmp_stem(name: str) -> str:
    """``.NAME`` for the temporary files of ``NAME``, shortened so that the name still fits."""
    raw = os.fsencode(name)
    if len(raw) > 180:  # NAME_MAX is 255 bytes almost everywhere; leave room for the rest
        name = os.fsdecode(raw[:120]) + "~"
    return f".{name}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or cannot tell: leave the file alone
    return True


def remove_stale_temporaries(final: str | os.PathLike[str]) -> list[str]:
    """Delete the temporary files a killed write of ``final`` left behind; returns them.

    Removed: ``.NAME.PID.XXXXXXXX.tmp`` owned by this user whose PID is no longer running,
    and ``.NAME.XXXXXXXX.tmp`` (no PID, older paralign) untouched for an hour. A write in
    progress elsewhere (PID alive) is never touched.
    """
    p = Path(final)
    folder = p.parent if str(p.parent) else Path(".")
    stem = _tmp_stem(p.name)
    pattern = re.compile(re.escape(stem) + r"\.(?:(\d+)\.)?[A-Za-z0-9_]{6,}\.tmp")
    removed: list[str] = []
    try:
        names: Iterable[str] = os.listdir(folder)
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for name in names:
        m = pattern.fullmatch(name)
        if not m:
            continue
        tmp = folder / name
        try:
            st = os.lstat(tmp)
        except OSError:
            continue
        if uid is not None and st.st_uid != uid:
            continue
        pid = m.group(1)
        if pid is not None:
            if _pid_alive(int(pid)):
                continue
        elif time.time() - st.st_mtime < LEGACY_STALE_SECONDS:
            continue
        with contextlib.suppress(OSError):
            os.unlink(tmp)
            removed.append(str(tmp))
    if removed:
        log.info("removed %d stale temporary file(s) of %s: %s", len(removed), p,
                 ", ".join(removed))
    return removed


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = "", inputs: Iterable[object] = ()) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success, fsync it and rename it to ``path``.

    Args:
        path: the final file name.
        mode: ``"w"`` (text) or ``"wb"`` (binary).
        encoding, newline: for text mode (``newline=""`` writes ``\\n`` as is on every
            platform, so that files are byte-identical everywhere).
        inputs: files this output must not be (refused before anything is written).

    Raises:
        OSError: the system refused (the message names ``path`` or its folder, never the
            temporary file).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', got {mode!r}")
    check_output(path, inputs)
    final = Path(path)
    folder = final.parent if str(final.parent) else Path(".")
    remove_stale_temporaries(final)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{_tmp_stem(final.name)}.{os.getpid()}.",
                                   suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
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
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if exc.filename is None or os.fspath(exc.filename) == tmp:
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
        raise
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
