"""Checking paths before paralign reads or writes them, and saying why the system refused.

Why a module of its own: every reader (texts, gold files, TMX, TSV, manifests, corpora) and
every writer (exports, reports, corpora) meets the same hostile paths, and each must answer
the same way: a FIFO or a device is refused at once instead of blocking forever, an output
that is one of the inputs is refused before anything is written, and an ``OSError`` becomes
one line naming the path and the reason. It sits at the bottom of the layers (it imports
only :mod:`paralign.errors`), so that ``text``, ``corpus`` and the CLI can all use it.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError

__all__ = ["check_input", "read_bytes", "check_output", "same_file", "describe_os_error",
           "STDIN", "FORMAT_NAMES"]

#: The file name that means standard input, where a reader accepts it.
STDIN = "-"
#: The input formats :func:`paralign.text.read_file` reads (``--format``): defined here, at
#: the bottom, so that the command line lists them without importing the text package.
FORMAT_NAMES = ("text", "docx", "html", "pdf", "epub", "srt", "vtt")

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))

# Reasons written for the user; the system's own words otherwise (os.strerror).
_REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EROFS: "read-only file system",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or directory",
    errno.EDQUOT: "disk quota exceeded",
    errno.EIO: "input/output error",
}


def _show(path: object) -> str:
    return os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)


def describe_os_error(exc: OSError) -> str:
    """``PATH: reason`` for an OSError, on one line (what the CLI prints).

    >>> describe_os_error(PermissionError(13, "Permission denied", "/x/y.tmx"))
    '/x/y.tmx: permission denied'
    """
    code = exc.errno or 0
    reason = _REASONS.get(code) or exc.strerror or str(exc) or type(exc).__name__
    if code in _REASONS and exc.strerror and exc.strerror != os.strerror(code):
        reason = f"{reason} ({exc.strerror})"  # e.g. SQLite's own words for a full disk
    reason = " ".join(reason.split())
    if exc.filename is None:
        return reason
    where = _show(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {_show(exc.filename2)}"
    return f"{where}: {reason}"


def _kind(mode: int) -> str | None:
    for test, name in _KINDS:
        if test(mode):
            return name
    return None


def check_input(path: str | os.PathLike[str], what: str = "input") -> os.stat_result | None:
    """Make sure ``path`` is a regular file (symlinks followed); ``None`` for ``-`` (stdin).

    Raises:
        OSError: what the system says (no such file, permission denied, symlink loop, a
            part of the path that is a file, name too long), with the path as ``filename``.
        InputError: a directory, a FIFO, a device or a socket: reading those would block
            forever or read something that is not a document.
    """
    if os.fspath(path) == STDIN:
        return None
    st = os.stat(path)  # raises with the path as filename
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{_show(path)}: is a directory, not a {what} file")
    kind = _kind(st.st_mode)
    if kind or not stat.S_ISREG(st.st_mode):
        raise InputError(f"{_show(path)}: is {kind or 'not a regular file'}, not a {what} "
                         "file; paralign reads regular files only")
    return st


def read_bytes(path: str | os.PathLike[str], what: str = "input") -> bytes:
    """The bytes of a regular file (``-``: standard input), refusing FIFOs and devices.

    The file is opened non-blocking and checked again on the open descriptor, so that a
    FIFO swapped in after :func:`check_input` cannot block either.
    """
    if check_input(path, what) is None:
        if sys.stdin is None:  # started with <&-
            raise InputError(f"- (standard input) given as the {what} file, but standard "
                             "input is closed")
        return sys.stdin.buffer.read()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{_show(path)}: is not a regular file, not a {what} file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file: same resolved path, or same inode (hard links)."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.samestat(os.stat(a), os.stat(b))
    except (OSError, ValueError):
        return False


def check_output(path: str | os.PathLike[str], inputs: Iterable[object] = ()) -> None:
    """Refuse, before anything is written, an output paralign could not or must not write.

    Refused: an output that is one of ``inputs`` (same resolved path or same inode, so a
    hard link or a symlink to an input counts), an existing directory, FIFO or device (a
    file is replaced atomically: that would replace the device node itself), a folder that
    does not exist or is a file, a name longer than the file system allows, and a folder
    where this user may not create files (read-only file system included).

    Raises:
        InputError: the output is an input, or a special file.
        OSError: the system's refusal, with the offending path as ``filename``.
    """
    p = Path(path)
    for inp in inputs:
        if inp is None or not isinstance(inp, (str, bytes, os.PathLike)):
            continue
        if os.fspath(inp) in (STDIN, ":memory:", b":memory:", ""):
            continue
        if same_file(p, inp):  # type: ignore[arg-type]
            raise InputError(f"{_show(path)}: is also an input ({_show(inp)}); refusing to "
                             "overwrite it: write the output to another file")
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
        kind = _kind(st.st_mode)
        if kind:
            raise InputError(f"{_show(path)}: is {kind}; paralign writes regular files only")
    folder = p.parent if str(p.parent) else Path(".")
    fst = os.stat(folder)  # ENOENT, ENOTDIR, ELOOP, EACCES with the folder as filename
    if not stat.S_ISDIR(fst.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", os.fspath(folder))
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = 255
    if len(os.fsencode(p.name)) > name_max:
        raise OSError(errno.ENAMETOOLONG, "File name too long", os.fspath(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        code = errno.EROFS if _read_only_fs(folder) else errno.EACCES
        raise OSError(code, os.strerror(code), os.fspath(folder))


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & getattr(os, "ST_RDONLY", 1))
    except (OSError, AttributeError):
        return False
