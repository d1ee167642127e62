"""The ``paralign`` command line: parses arguments, calls the library, prints.

No logic lives here beyond choosing what to call; every command is a thin wrapper over a
public function, so that what the shell does a notebook can do too. Errors the user can fix
(missing file, undecodable bytes, unknown language, bad option) are one line on stderr and
exit status 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence

from . import __version__
from .errors import InputError, ParalignError
from .files import FORMAT_NAMES, STDIN

log = logging.getLogger("paralign")

COMMANDS = ("align", "batch", "export", "search", "stats", "eval", "segment", "report", "apply",
            "demo")


#: ``-o -``: the output goes to standard output (the same ``-`` that readers take for stdin).
STDOUT = STDIN
#: The format written to standard output when ``--to`` does not say.
STDOUT_FORMAT = "tsv"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose ``--encoder`` help lists the encoders there are.

    The list is looked up only when help is shown: the encoder registry imports numpy,
    which a call such as ``paralign stats`` should not pay for.
    """

    def format_help(self) -> str:
        for action in self._actions:
            if action.dest == "encoder":
                action.help = _encoder_help()
        return super().format_help()


def _encoder_help() -> str:
    from .config import AlignConfig
    from .embed.bundled import BUNDLED_ENCODERS
    from .embed.registry import available_encoders

    default = AlignConfig().encoder
    names = sorted(BUNDLED_ENCODERS, key=lambda n: (n != default, n))  # the default first
    bundled = [f"{n} ({'the default: ' if n == default else ''}"
               f"{(BUNDLED_ENCODERS[n].__doc__ or '').strip().splitlines()[0].rstrip('.')})"
               .replace("``", "'") for n in names]
    others = [n for n in available_encoders() if n not in BUNDLED_ENCODERS]
    return ("sentence encoder, bundled and offline: " + "; ".join(bundled)
            + (f"; registered: {', '.join(others)}" if others else "")
            + ". Also NAME+NAME (scores averaged) or the folder of a local "
            "sentence-transformers model")


def _add_align_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoder", help="encoder name (default: the AlignConfig default)")
    p.add_argument("--max-merge", type=int, help="most sentences on one side of a bead")
    p.add_argument("--presplit", action="store_true",
                   help="inputs hold one sentence per line; an empty line marks a paragraph break")
    p.add_argument("--no-cache", action="store_true", help="do not use the embedding cache")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="any AlignConfig setting, e.g. --set max_total=8 --set "
                   "paragraph_anchors=false (repeatable; see help(paralign.AlignConfig))")


def _add_pair_arguments(p: argparse.ArgumentParser) -> None:
    """ZH and EN, or one file holding both (align, report, apply read a pair alike)."""
    p.add_argument("zh", help="Chinese text file (or one file holding both languages)")
    p.add_argument("en", nargs="?", default=None,
                   help="English text file (omit it for a bilingual file)")


def _add_common_options(p: argparse.ArgumentParser) -> None:
    """``-v``/``-q`` after the command too (``paralign align ... -q``); they add to the ones
    given before it."""
    p.add_argument("-v", "--verbose", dest="sub_verbose", action="count", default=0,
                   help="more log output (repeatable)")
    p.add_argument("-q", "--quiet", dest="sub_quiet", action="store_true",
                   help="no progress bars, only errors")


def _add_to_option(p: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    p.add_argument("--to", dest="output_format", choices=choices, default=None, metavar="FMT",
                   help=f"output format: {', '.join(choices)} (default: from the output's "
                   f"suffix; {STDOUT_FORMAT} for -o -)")


def _add_format_option(p: argparse.ArgumentParser) -> None:
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

    settings: dict[str, str] = {}
    for item in getattr(args, "settings", None) or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set {item!r}: expected KEY=VALUE, e.g. --set max_total=8")
        settings[key] = value
    changes = {}
    if getattr(args, "encoder", None):
        changes["encoder"] = args.encoder
    if getattr(args, "max_merge", None):
        changes["max_merge"] = args.max_merge
    if getattr(args, "no_cache", False):
        changes["cache"] = False
    if getattr(args, "quiet", False):
        changes["progress"] = False
    # ``batch --realign`` is a flag (one lexicon from the whole batch); ``align --realign N``
    # is the per-pair threshold
    if getattr(args, "command", None) == "align" and getattr(args, "realign", None) is not None:
        changes["realign"] = args.realign
    # the options first, then --set (so that --set can say anything)
    return AlignConfig(**changes).with_strings(settings)


@contextlib.contextmanager
def _output_path(output: str, fmt: str | None) -> Iterator[str]:
    """The path a command writes to: ``output`` itself, or for ``-`` a temporary file whose
    content is copied to standard output once the command has succeeded. So every writer
    keeps its one atomic way of writing, and a command that fails writes nothing there."""
    if output != STDOUT:
        yield output
        return
    with tempfile.TemporaryDirectory(prefix="paralign-") as tmp:
        path = os.path.join(tmp, f"stdout.{fmt or STDOUT_FORMAT}")
        yield path
        sys.stdout.flush()
        out = sys.stdout.buffer  # through _NamedStdout: its errors name standard output
        try:
            with open(path, "rb") as f:
                shutil.copyfileobj(f, out)
            out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, _NamedStdout.NAME) from None


def _say(args: argparse.Namespace, text: str) -> None:
    """A command's summary: on standard output, or on stderr when the output itself goes
    to standard output (``-o -``) so that a pipe receives only the data."""
    print(text, file=sys.stderr if getattr(args, "output", None) == STDOUT else sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    _add_pair_arguments(p)
    p.add_argument("-o", "--output", required=True,
                   help="output file; format from the suffix: .tmx .tsv .jsonl .align; "
                   "- for standard output")
    _add_to_option(p, ("tmx", "tsv", "jsonl", "align"))
    _add_align_options(p)
    p.add_argument("--realign", type=int, nargs="?", const=1, default=None, metavar="N",
                   help="align twice, the second time with a word lexicon learned from the "
                   "first pass's confident beads, when there are at least N of them (N "
                   "omitted: whatever their number; 0: never; without the option: the "
                   "AlignConfig default, 1000)")
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
    p.add_argument("-o", "--output", required=True,
                   help="output file; format from the suffix; - for standard output")
    _add_to_option(p, ("tmx", "tsv", "jsonl", "align"))
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
    _add_pair_arguments(p)
    p.add_argument("-o", "--output", required=True,
                   help="output .html file; - for standard output")
    _add_align_options(p)
    _add_format_option(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("apply", help="write the corrected alignment of a report's review",
                       description="Apply CORRECTIONS (the file a reviewer downloads from "
                       "`paralign report`'s page) to the texts it was made on, ZH and EN (or "
                       "the one bilingual file), read as `report` read them; write the "
                       "corrected beads to OUTPUT and/or store them in a corpus, which keeps "
                       "the correction when the pair is added again. Texts other than the "
                       "reviewed ones are refused.")
    p.add_argument("corrections", help="corrections file (.json) downloaded from the report")
    _add_pair_arguments(p)
    p.add_argument("-o", "--output", default=None,
                   help="output file; format from the suffix: .tmx .tsv .jsonl .align; - for "
                   "standard output")
    p.add_argument("--corpus", default=None, help="corpus database to store the pair in")
    p.add_argument("--doc-id", default=None, help="document id (default: from the zh file)")
    p.add_argument("--presplit", action="store_true",
                   help="inputs hold one sentence per line (as given to `report`)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="the AlignConfig settings given to `report` (those of segmentation "
                   "decide the sentences the corrections count)")
    _add_format_option(p)
    _add_to_option(p, ("tmx", "tsv", "jsonl", "align"))
    _add_output_options(p)
    p.set_defaults(func=_cmd_apply)

    p = sub.add_parser("demo", help="align the sample corpus shipped with paralign into a TMX")
    p.add_argument("-o", "--output", default="out/demo.tmx", help="output TMX (default: %(default)s)")
    p.add_argument("--corpora", default=None, help="folder of sample texts (default: the ones shipped with paralign)")
    p.set_defaults(func=_cmd_demo)
    for p in sub.choices.values():
        _add_common_options(p)
    return parser


# -- command handlers: each calls one library function ----------------------------------------

def _cmd_align(args: argparse.Namespace) -> int:
    from .pipeline import align_files

    left_out: dict[str, int] = {}
    config = _config_from(args)
    with _output_path(args.output, args.output_format) as path:
        al = align_files(args.zh, args.en, path, config=config, presplit=args.presplit,
                         input_format=args.input_format, output_format=args.output_format,
                         write_options=_write_options(args, left_out))
    _say(args, f"{len(al.beads)} beads ({al.describe_kinds(most=12)}) -> {_shown(args.output)}")
    if sum(left_out.values()):
        _say(args, _written(len(al.beads), "beads", _shown(args.output), left_out))
    if al.src.meta.get("left_out"):
        _say(args, f"left out of {args.zh}: {al.src.meta['left_out']} paragraph(s)")
    return 0


def _shown(output: str) -> str:
    return "standard output" if output == STDOUT else output


def _corpus_path(path: str) -> str:
    """A corpus database is a file SQLite opens and writes in place: never ``-``."""
    if path == STDOUT:
        raise InputError("- cannot be a corpus database (SQLite needs a file it can open and "
                         "write in place): give the database's path")
    return path


def _cmd_batch(args: argparse.Namespace) -> int:
    from .pipeline import run_batch

    _corpus_path(args.output)
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
    with ParallelCorpus(_corpus_path(args.corpus), readonly=True) as corpus, \
            _output_path(args.output, args.output_format) as path:
        n = corpus.export(path, fmt=args.output_format or (
            STDOUT_FORMAT if args.output == STDOUT else None), **_write_options(args, left_out))
    _say(args, _written(n + sum(left_out.values()), "beads", _shown(args.output), left_out))
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from .corpus import ParallelCorpus

    # argparse hands `search c.db -- --` a list, not a string
    term = args.term if isinstance(args.term, str) else " ".join(args.term)
    if not term.strip():
        raise InputError("search: no word or phrase to find was given")
    with ParallelCorpus(_corpus_path(args.corpus), readonly=True) as corpus:
        for hit in corpus.search(term, side=args.side, limit=args.limit):
            print(hit.format())
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from .corpus import ParallelCorpus

    with ParallelCorpus(_corpus_path(args.corpus), readonly=True) as corpus:
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

    if args.output != STDOUT and (not os.path.dirname(args.output)
                                  or os.path.isdir(os.path.dirname(args.output))):
        check_output(args.output, (args.zh, args.en))  # refused before the work
    config = _config_from(args)
    al = align_files(args.zh, args.en, None, config=config, presplit=args.presplit,
                     input_format=args.input_format)
    with _output_path(args.output, "html") as path:
        al.to_html(path)
    _say(args, f"report of {len(al.beads)} beads -> {_shown(args.output)}")
    return 0


def _cmd_apply(args: argparse.Namespace) -> int:
    from .pipeline import apply_files

    left_out: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        path = None if args.output is None else stack.enter_context(
            _output_path(args.output, args.output_format))
        al = apply_files(args.corrections, args.zh, args.en, path, corpus=args.corpus,
                         doc_id=args.doc_id, presplit=args.presplit,
                         input_format=args.input_format, config=_config_from(args),
                         output_format=args.output_format,
                         write_options=_write_options(args, left_out))
    edits = ", ".join(f"{k} {v}" for k, v in al.stats.get("edits", {}).items()) or "no edit"
    where = " and ".join(_shown(x) for x in (args.output, args.corpus) if x)
    _say(args, f"{len(al.beads)} beads ({al.describe_kinds(most=12)}; reviewer's edits: "
         f"{edits}) -> {where}")
    if args.output is not None and sum(left_out.values()):
        _say(args, _written(len(al.beads), "beads", _shown(args.output), left_out))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .pipeline import run_demo

    print(run_demo(args.output, corpora=args.corpora))
    return 0


def parse_args(argv: Sequence[str] | None = None,
               parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """The command line parsed, ``-v``/``-q`` given before and after the command merged
    (``-v align ... -v`` is ``-vv``)."""
    args = (parser or build_parser()).parse_args(argv)
    args.verbose += getattr(args, "sub_verbose", 0)
    args.quiet = args.quiet or getattr(args, "sub_quiet", False)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse_args(argv, parser)
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
    if sys.stdout is None:  # started with >&-: what the command prints would be lost
        return _fail("standard output is closed (>&-): paralign writes its results or its "
                     "summary there; redirect it to a file or /dev/null instead")
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
