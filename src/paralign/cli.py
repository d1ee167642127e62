"""The ``paralign`` command line: parses arguments, calls the library, prints.

No logic lives here beyond choosing what to call; every command is a thin wrapper over a
public function, so that what the shell does a notebook can do too. Errors the user can fix
(missing file, undecodable bytes, unknown language, bad option) are one line on stderr and
exit status 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .errors import InputError, ParalignError

log = logging.getLogger("paralign")

COMMANDS = ("align", "batch", "export", "search", "stats", "eval", "segment", "report", "demo")


def _add_align_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoder", help="encoder name (default: the AlignConfig default)")
    p.add_argument("--max-merge", type=int, help="most sentences on one side of a bead")
    p.add_argument("--presplit", action="store_true",
                   help="inputs hold one sentence per line; an empty line marks a paragraph break")
    p.add_argument("--no-cache", action="store_true", help="do not use the embedding cache")


def _add_format_option(p: argparse.ArgumentParser) -> None:
    from .text.formats import FORMAT_NAMES

    p.add_argument("--format", dest="input_format", default=None, metavar="FMT",
                   choices=FORMAT_NAMES,
                   help=f"input format: {', '.join(FORMAT_NAMES)} (default: from each "
                   "file's suffix; an unknown suffix is read as text)")


_LANG_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


def _lang_tag(value: str) -> str:
    import re

    if not re.match(_LANG_TAG, value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a language tag such as zh-HK or en-US")
    return value


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--src-lang", type=_lang_tag, metavar="TAG",
                   help="language tag written for the Chinese side (default: zh-TW for "
                   "Traditional, zh-CN for Simplified; e.g. zh-HK)")
    p.add_argument("--tgt-lang", type=_lang_tag, metavar="TAG",
                   help="language tag written for the English side (default: en; e.g. en-US)")
    p.add_argument("--min-score", type=float, default=0.0,
                   help="write only beads scoring at least this (0..1)")
    null = p.add_mutually_exclusive_group()
    null.add_argument("--keep-null", dest="skip_null", action="store_false", default=None,
                      help="write null beads (one side empty) too (default for .tsv .jsonl .align)")
    null.add_argument("--drop-null", dest="skip_null", action="store_true",
                      help="leave null beads out (default for .tmx)")


def _write_options(args: argparse.Namespace, left_out: dict[str, int]) -> dict:
    return {"src_lang": args.src_lang, "tgt_lang": args.tgt_lang, "min_score": args.min_score,
            "skip_null": args.skip_null, "left_out": left_out}


def _written(n_in: int, what: str, output: str, left_out: dict[str, int]) -> str:
    from .corpus.export import describe_left_out

    n_out = n_in - sum(left_out.values())
    why = describe_left_out(left_out)
    return (f"{n_in} {what} -> {n_out} written to {output}"
            + (f"; left out {why}" if why else ""))


def _config_from(args: argparse.Namespace):  # -> AlignConfig
    from .config import AlignConfig

    changes = {}
    if getattr(args, "encoder", None):
        changes["encoder"] = args.encoder
    if getattr(args, "max_merge", None):
        changes["max_merge"] = args.max_merge
    if getattr(args, "no_cache", False):
        changes["cache"] = False
    if getattr(args, "quiet", False):
        changes["progress"] = False
    return AlignConfig(**changes)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paralign",
        description="Align Chinese-English texts sentence by sentence into a parallel corpus.",
    )
    parser.add_argument("--version", action="version", version=f"paralign {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars, only errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("align", help="align a Chinese and an English text into a file",
                       description="Align ZH with EN; or, given one FILE, split it into its "
                       "Chinese and English paragraphs (a bilingual abstract) and align those.")
    p.add_argument("zh", help="Chinese text file (or one file holding both languages)")
    p.add_argument("en", nargs="?", default=None,
                   help="English text file (omit it for a bilingual file)")
    p.add_argument("-o", "--output", required=True,
                   help="output file; format from the suffix: .tmx .tsv .jsonl .align")
    _add_align_options(p)
    _add_format_option(p)
    _add_output_options(p)
    p.set_defaults(func=_cmd_align)

    p = sub.add_parser("batch", help="align many document pairs into a corpus database")
    p.add_argument("input", help="folder of NAME.zh.txt / NAME.en.txt pairs and/or bilingual "
                   "NAME.txt files, or a TSV manifest")
    p.add_argument("-o", "--output", required=True, help="corpus database (SQLite file)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--engine", choices=("local", "dask"), default=None,
                   help="local process pool (default) or Dask (a LocalCluster of --workers "
                        "processes, or the cluster of --scheduler)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes of the Dask LocalCluster (default: cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786 (implies "
                        "--engine dask; workers need paralign installed, no shared files)")
    p.add_argument("--realign", action="store_true",
                   help="learn one word lexicon from every pair of the batch, then align "
                        "them all again with it (the corpus-wide Aligner.fit)")
    _add_align_options(p)
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("export", help="export a corpus database to TMX, TSV, JSONL or .align")
    p.add_argument("corpus", help="corpus database")
    p.add_argument("-o", "--output", required=True, help="output file; format from the suffix")
    _add_output_options(p)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("search", help="bilingual concordance (keyword in context)")
    p.add_argument("corpus", help="corpus database")
    p.add_argument("term", help="word or phrase to find")
    p.add_argument("--side", choices=("zh", "en"), default=None,
                   help="which side to search (default: guessed from the term)")
    p.add_argument("-n", "--limit", type=int, default=20, help="most hits to show")
    p.set_defaults(func=_cmd_search)

    p = sub.add_parser("stats", help="statistics of a corpus database")
    p.add_argument("corpus", help="corpus database")
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser("eval", help="strict and lax precision/recall/F1 against gold beads")
    p.add_argument("gold", nargs="+", help="gold .align files (Vecalign format)")
    p.add_argument("--test", nargs="+", required=True, help="test .align files, same order")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("segment", help="print one sentence per line, paragraphs blank-separated")
    p.add_argument("file", help="text file")
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="language (default: detected)")
    _add_format_option(p)
    p.set_defaults(func=_cmd_segment)

    p = sub.add_parser("report", help="a self-contained HTML report of an alignment")
    p.add_argument("zh", help="Chinese text file (or one file holding both languages)")
    p.add_argument("en", nargs="?", default=None,
                   help="English text file (omit it for a bilingual file)")
    p.add_argument("-o", "--output", required=True, help="output .html file")
    _add_align_options(p)
    _add_format_option(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("demo", help="align the sample corpus shipped with paralign into a TMX")
    p.add_argument("-o", "--output", default="out/demo.tmx", help="output TMX (default: %(default)s)")
    p.add_argument("--corpora", default=None, help="folder of sample texts (default: the ones shipped with paralign)")
    p.set_defaults(func=_cmd_demo)
    return parser


# -- command handlers: each calls one library function ----------------------------------------

def _cmd_align(args: argparse.Namespace) -> int:
    from .pipeline import align_files

    left_out: dict[str, int] = {}
    al = align_files(args.zh, args.en, args.output, config=_config_from(args),
                     presplit=args.presplit, input_format=args.input_format,
                     write_options=_write_options(args, left_out))
    print(f"{len(al.beads)} beads ({', '.join(f'{k}:{v}' for k, v in al.kinds().items())}) "
          f"-> {args.output}")
    if sum(left_out.values()):
        print(_written(len(al.beads), "beads", args.output, left_out))
    if al.src.meta.get("left_out"):
        print(f"left out of {args.zh}: {al.src.meta['left_out']} paragraph(s)")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from .pipeline import run_batch

    config = _config_from(args)
    if args.scheduler is None and args.engine != "dask":
        if args.workers is not None:
            raise InputError("--workers is the size of a Dask LocalCluster: use it with "
                             "--engine dask (or -j for the local pool)")
        summary = run_batch(args.input, args.output, config=config, jobs=args.jobs,
                            presplit=args.presplit, progress=not args.quiet,
                            realign=args.realign)
    else:
        from .cluster import dashboard_link, open_client

        with open_client(args.scheduler, workers=args.workers) as client:
            link = dashboard_link(client)
            if link and not args.quiet:
                print(f"paralign: Dask dashboard: {link}", file=sys.stderr)
            summary = run_batch(args.input, args.output, config=config, presplit=args.presplit,
                                progress=not args.quiet, client=client, realign=args.realign)
    print(summary.describe())
    return 0 if not summary.failed else 1


def _cmd_export(args: argparse.Namespace) -> int:
    from .corpus import ParallelCorpus

    left_out: dict[str, int] = {}
    with ParallelCorpus(args.corpus, readonly=True) as corpus:
        n = corpus.export(args.output, **_write_options(args, left_out))
    print(_written(n + sum(left_out.values()), "beads", args.output, left_out))
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from .corpus import ParallelCorpus

    # argparse hands `search c.db -- --` a list, not a string
    term = args.term if isinstance(args.term, str) else " ".join(args.term)
    if not term.strip():
        raise InputError("search: no word or phrase to find was given")
    with ParallelCorpus(args.corpus, readonly=True) as corpus:
        for hit in corpus.search(term, side=args.side, limit=args.limit):
            print(hit.format())
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from .corpus import ParallelCorpus

    with ParallelCorpus(args.corpus, readonly=True) as corpus:
        print(corpus.stats().describe())
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_files, format_scores

    print(format_scores(evaluate_files(args.gold, args.test)))
    return 0


def _cmd_segment(args: argparse.Namespace) -> int:
    from .text import one_line, read_file, segment

    doc = segment(read_file(args.file, args.input_format), lang=args.lang, source=args.file)
    for k, para in enumerate(doc.paragraphs):
        if k:
            print()
        for s in para:
            print(one_line(s.text, doc.lang))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .files import check_output
    from .pipeline import align_files

    if not os.path.dirname(args.output) or os.path.isdir(os.path.dirname(args.output)):
        check_output(args.output, (args.zh, args.en))  # refused before the work
    al = align_files(args.zh, args.en, None, config=_config_from(args), presplit=args.presplit,
                     input_format=args.input_format)
    al.to_html(args.output)
    print(f"report of {len(al.beads)} beads -> {args.output}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .pipeline import run_demo

    print(run_demo(args.output, corpora=args.corpora))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * args.verbose if not args.quiet else logging.ERROR
    # with -v, lines carry the time (to the millisecond): where a long run spends it shows
    fmt = "paralign: %(levelname)s: %(message)s"
    if args.verbose:
        fmt = "%(asctime)s.%(msecs)03d " + fmt
    logging.basicConfig(level=max(level, logging.DEBUG), format=fmt, datefmt="%H:%M:%S")
    if args.command is None:
        parser.print_help()
        return 2
    func: Callable[[argparse.Namespace], int] = args.func
    stdout = sys.stdout
    sys.stdout = _NamedStdout(stdout)  # type: ignore[assignment]
    try:
        rc = func(args)
        sys.stdout.flush()  # a full standard output (>/dev/full) fails this command
        return rc
    except ParalignError as exc:
        return _fail(str(exc))
    except FileNotFoundError as exc:
        return _fail(f"no such file: {os.fsdecode(exc.filename) if exc.filename else exc}")
    except KeyboardInterrupt:
        print("paralign: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # e.g. `paralign segment big.txt | head`: not an error of ours
        _silence_stdout()
        return 0
    except OSError as exc:
        # the one place where the system's refusals (permission denied, full disk,
        # read-only file system, symlink loop...) become one line naming the path
        from .files import describe_os_error

        if exc.filename == _NamedStdout.NAME:
            _silence_stdout()
        return _fail(describe_os_error(exc))
    except sqlite3.Error as exc:  # a safety net: the corpus module names its errors
        return _fail(f"corpus database: {exc}")
    finally:
        sys.stdout = stdout


def _fail(message: str) -> int:
    """One line on stderr, exit status 2."""
    print(f"paralign: error: {_printable(' '.join(message.split()))}", file=sys.stderr)
    return 2


def _printable(text: str) -> str:
    """``text`` with lone surrogates (bytes of a file name that is not UTF-8) written as
    ``\\udce9``, so that printing it can never fail."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class _NamedStdout:
    """Standard output whose write errors name it (a full disk behind ``>`` or /dev/full)."""

    NAME = "<standard output>"

    def __init__(self, stream: object) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(_printable(text))  # type: ignore[attr-defined,no-any-return]
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.NAME) from None

    def flush(self) -> None:
        try:
            self._stream.flush()  # type: ignore[attr-defined]
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.NAME) from None

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _silence_stdout() -> None:
    """Point stdout at the null device, so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
