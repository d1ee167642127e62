"""The layer rule of the package, checked on the source (DESIGN.md, "Layout").

Every module of ``src/paralign`` belongs to a layer. An import at module level (what runs on
``import``) may only reach the same or a lower layer. An import inside a function may reach a
higher layer: that is how ``Alignment.to_tmx()``, ``ParallelCorpus._repr_html_()`` and the
lazy names of ``paralign/__init__.py`` stay thin entry points. And there is no import circle:
once those upward lazy imports are set aside, the import graph (module level and inside
functions alike) has no cycle, so no two modules of one layer lean on each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import paralign

SRC = Path(paralign.__file__).resolve().parent

# The layer order, lowest first. A module's layer is that of its longest listed prefix.
LAYERS: dict[str, int] = {
    # the bottom: exceptions, the frozen config, cache folders, checks on the paths users
    # give (files), cached lookup tables (lazytable); the root package's module level holds
    # only __version__ and the table of its lazy names
    "paralign": 0,
    "paralign.errors": 0,
    "paralign.config": 0,
    "paralign.paths": 0,
    "paralign.files": 0,
    "paralign.lazytable": 0,
    "paralign.blas": 0,
    "paralign.dists": 0,
    # reading and segmenting text; encoders and the embedding cache
    "paralign.text": 1,
    "paralign.embed": 1,
    "paralign.alignment": 2,
    "paralign.corpus": 3,
    # readers of alignments and corpora: evaluation, notebook views, the HTML report
    "paralign.evaluation": 4,
    "paralign.viz": 4,
    "paralign.report": 4,
    # file-level entry points; the batch's Dask engine (it runs the pipeline's pair jobs,
    # and run_batch reaches it lazily); then the command line
    "paralign.pipeline": 5,
    "paralign.cluster": 6,
    "paralign.cli": 7,
    "paralign.__main__": 7,
}


def layer(module: str) -> int:
    parts = module.split(".")
    for k in range(len(parts), 1, -1):
        rank = LAYERS.get(".".join(parts[:k]))
        if rank is not None:
            return rank
    if module == "paralign":
        return LAYERS[module]
    raise KeyError(f"{module}: no layer assigned; add it to LAYERS in tests/test_layers.py")


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(source: str, module: str, *, is_package: bool, exists=None,
            lazy_names: dict[str, str] | None = None) -> list[tuple[str, bool, int]]:
    """(imported paralign module, at module level?, line) for every import in ``source``.

    ``if TYPE_CHECKING:`` blocks are skipped (never run). ``exists(name)`` says whether a
    dotted name is a module (so ``from . import store`` is the module, ``from .store import
    X`` its parent); ``lazy_names`` maps the root package's lazy attributes to their modules.
    """
    exists = exists or (lambda name: False)
    lazy_names = lazy_names or {}
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, bool, int]] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        if node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        out = []
        for a in node.names:
            if exists(f"{mod}.{a.name}"):
                out.append(f"{mod}.{a.name}")
            elif mod == "paralign" and a.name in lazy_names:
                out.append(lazy_names[a.name])
            else:
                out.append(mod)
        return out

    def visit(nodes: list[ast.stmt], top: bool) -> None:
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.extend((t, top, node.lineno) for t in targets(node)
                             if t == "paralign" or t.startswith("paralign."))
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.orelse, top)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node.body, False)
            else:
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    for child in getattr(node, field, None) or []:
                        visit([child] if isinstance(child, ast.stmt) else
                              getattr(child, "body", []), top)

    visit(ast.parse(source).body, True)
    return [(t, top, line) for t, top, line in found if t != module]


def _is_module(name: str) -> bool:
    if not name.startswith("paralign"):
        return False
    rel = Path(*name.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def package_imports() -> dict[str, list[tuple[str, bool, int]]]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        mod = module_name(path, SRC)
        out[mod] = imports(path.read_text(encoding="utf-8"), mod,
                           is_package=path.name == "__init__.py", exists=_is_module,
                           lazy_names=paralign._LAZY)
    return out


GRAPH = package_imports()


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_level_import_from_a_higher_layer(module: str) -> None:
    bad = [f"line {line}: {target} (layer {layer(target)})"
           for target, top, line in GRAPH[module] if top and layer(target) > layer(module)]
    assert not bad, f"{module} (layer {layer(module)}) imports at module level: {bad}"


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def circles(graph: dict[str, list[tuple[str, bool, int]]]) -> list[list[str]]:
    """Groups of modules that import each other, upward lazy imports set aside."""
    edges: dict[str, set[str]] = {}
    for mod, found in graph.items():
        for target, top, _ in found:
            if not top and layer(target) > layer(mod):
                continue  # a documented lazy entry point upwards
            edges.setdefault(mod, set()).add(target)
    return _circles(edges)


def test_no_import_circle() -> None:
    found = circles(GRAPH)
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_every_module_has_a_layer() -> None:
    for mod in GRAPH:
        layer(mod)


# -- the checker itself: what it must and must not flag -------------------------------------

CASES = [
    # (module, source, expected (target, module level?) pairs)
    ("paralign.alignment.bead", "from ..corpus import formats\n",
     [("paralign.corpus.formats", True)]),
    ("paralign.alignment.bead", "def f():\n    from ..corpus import formats\n",
     [("paralign.corpus.formats", False)]),
    ("paralign.alignment.bead",
     "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..text.document import D\n",
     []),
    ("paralign.corpus.store", "try:\n    from .. import viz\nexcept ImportError:\n    pass\n",
     [("paralign.viz", True)]),
    ("paralign.corpus.store", "class C:\n    from ..viz import x\n", [("paralign.viz", True)]),
    ("paralign.corpus.store", "from paralign import Aligner\n",
     [("paralign.alignment.aligner", True)]),
    ("paralign.corpus.store", "import numpy\nfrom . import tmx\n", [("paralign.corpus.tmx", True)]),
]


@pytest.mark.parametrize("module, source, expected", CASES)
def test_the_import_walker(module: str, source: str, expected: list[tuple[str, bool]]) -> None:
    found = imports(source, module, is_package=False, exists=_is_module,
                    lazy_names={"Aligner": "paralign.alignment.aligner"})
    assert [(t, top) for t, top, _ in found] == expected


@pytest.mark.parametrize("graph, cyclic", [
    ({"paralign.corpus.a": [("paralign.corpus.b", True, 1)],
      "paralign.corpus.b": [("paralign.corpus.a", False, 1)]}, True),   # a lazy circle
    ({"paralign.alignment.bead": [("paralign.corpus.formats", False, 1)],
      "paralign.corpus.formats": [("paralign.alignment.bead", False, 1)]}, False),  # entry point
    ({"paralign.embed.cache": [("paralign.embed.registry", False, 1)],
      "paralign.embed.registry": [("paralign.embed.cache", True, 1)]}, True),
])
def test_the_circle_finder(graph, cyclic: bool) -> None:
    assert bool(circles(graph)) == cyclic
