"""paralign.viz: HTML views of alignments and corpora, matplotlib figures, CJK fonts."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from paralign import viz
from paralign.alignment.bead import Alignment
from alignment_samples import BEADS, EN_BASE, ZH, block_sim, build_alignment

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

EN = EN_BASE + ["A <b>translator's</b> note & more."]


def make_alignment(zh=ZH, en=EN, beads=BEADS, **kw) -> Alignment:
    return build_alignment(zh, en, beads, **kw)


def big_alignment(n: int) -> Alignment:
    zh = [f"第{i}句中文。" for i in range(n)]
    en = [f"Sentence number {i}." for i in range(n)]
    return make_alignment(zh, en, [((i,), (i,), (i % 10) / 10) for i in range(n)])


def save(fig, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(viz.figure_png(fig))
    return path


# -- imports ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stmt", ["import paralign", "import paralign.viz",
                                  "import paralign.report"])
def test_import_does_not_load_matplotlib(stmt):
    code = f"{stmt}; import sys; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_agg_backend_without_display():
    code = ("import paralign.viz as v, sys; v._mpl(); import matplotlib; "
            "print(matplotlib.get_backend().lower())")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                             "MPLBACKEND")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == "agg"


# -- colours ---------------------------------------------------------------------------------
@pytest.mark.parametrize("score, hue", [(0.0, 0), (0.5, 60), (1.0, 120), (-3, 0), (7, 120)])
def test_score_color_hue(score, hue):
    assert viz.score_color(score).startswith(f"hsl({hue}, 70%")


def test_score_color_nan_is_grey():
    assert viz.score_color(float("nan")).startswith("hsl(0, 0%")


# -- alignment_html ----------------------------------------------------------------------------
@pytest.mark.parametrize("needle", [
    "zh-Hant", "en", "1-2", "1-0", "0-1",           # tags and bead types
    "&lt;b&gt;translator&#x27;s&lt;/b&gt; note &amp; more",  # escaped text
    "蘇聯於一九九0年和南韓建交。",                   # CJK text as is
    'class="pa-low pa-null"',                        # flagged low-confidence null bead
    "⚠", "paralign 0.1.0|enc:test", "parallelism",
    viz.score_color(0.93),                           # coloured by confidence
])
def test_alignment_html_contains(needle):
    assert needle in viz.alignment_html(make_alignment())


def test_alignment_html_is_escaped():
    out = viz.alignment_html(make_alignment())
    assert "<b>translator" not in out


def test_repr_html_goes_through_viz():
    al = make_alignment()
    assert al._repr_html_() == viz.alignment_html(al)
    assert len(repr(al)) < 200


@pytest.mark.parametrize("n, max_rows, note", [
    (5000, 200, "showing 200 of 5,000 beads"),
    (250, 100, "showing 100 of 250 beads"),
    (150, 200, None),
    (300, None, None),
])
def test_alignment_html_truncates(n, max_rows, note):
    out = viz.alignment_html(big_alignment(n), max_rows=max_rows)
    shown = min(n, max_rows) if max_rows is not None else n
    assert out.count('<td class="pa-n"') == shown
    if note:
        assert note in out
    else:
        assert "showing" not in out


def test_alignment_dataframe():
    pytest.importorskip("pandas")
    df = make_alignment().to_dataframe()
    assert list(df.columns) == ["src", "tgt", "kind", "score", "src_text", "tgt_text", "is_null"]
    assert df["kind"].tolist() == ["1-1", "1-1", "1-2", "1-1", "1-0", "0-1"]
    assert df["is_null"].sum() == 2
    assert df.loc[2, "tgt_text"] == "It did not give up supporting Pyongyang. Neither " \
                                    "politically nor militarily."


# -- corpus_html: the real ParallelCorpus ----------------------------------------------------
def real_corpus(n_docs: int, al: Alignment | None = None):
    from paralign.corpus import ParallelCorpus

    corpus = ParallelCorpus(":memory:")
    for k in range(n_docs):
        corpus.add(al or make_alignment(), doc_id=f"doc-{k}")
    return corpus


@pytest.mark.parametrize("n_docs, max_rows, rows, note", [
    (0, 50, 0, "empty corpus"),
    (1, 50, 6, None),                      # every bead of the document, null ones included
    (1, 4, 4, "showing 4 of 6 beads"),
    (20, 50, 50, "showing 50 of 120 beads"),
])
def test_corpus_html(n_docs, max_rows, rows, note):
    corpus = real_corpus(n_docs)
    out = viz.corpus_html(corpus, max_rows=max_rows)
    assert "ParallelCorpus" in out and out.count('<td class="pa-n"') == rows
    if n_docs:
        assert f"<b>{n_docs}</b> documents" in out and "蘇聯" in out and "doc-0" in out
        assert ">1-2</td>" in out and "zh-TW" in out
    if note:
        assert note in out
    else:
        assert "showing" not in out


def test_corpus_html_escapes_texts():
    al = make_alignment(["他<b>走了</b>。"], ["He & she left."], [((0,), (0,), 0.4)])
    out = viz.corpus_html(real_corpus(1, al))
    assert "<b>走了" not in out and "He & she" not in out and "He &amp; she" in out


def test_corpus_html_without_its_statistics():
    """A locked database: the beads are shown without the figures."""
    import sqlite3

    corpus = real_corpus(1)

    class Locked(type(corpus)):
        def stats(self):
            raise sqlite3.OperationalError("database is locked")

    corpus.__class__ = Locked
    out = viz.corpus_html(corpus)
    assert "documents" not in out and out.count('<td class="pa-n"') == 6


# -- figures ---------------------------------------------------------------------------------
def test_heatmap_draws_path_and_beads():
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    al = make_alignment()
    fig = viz.heatmap(al, sim=block_sim(al))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rects) == sum(not b.is_null for b in al.beads)
    assert (rects[2].get_width(), rects[2].get_height()) == (2, 1)  # the 1-2 bead
    path = ax.lines[0]
    assert list(path.get_xdata()) == [-0.5, 0.5, 1.5, 3.5, 4.5, 4.5, 5.5]
    assert list(path.get_ydata()) == [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 4.5]
    assert any("蘇聯" in t.get_text() for t in ax.get_yticklabels())
    save(fig, "heatmap.png")


def test_heatmap_rejects_wrong_shape():
    np = pytest.importorskip("numpy")
    with pytest.raises(ValueError, match="expected"):
        viz.heatmap(make_alignment(), sim=np.zeros((3, 3)))


class FakeEncoder:
    """Letter-count vectors: enough structure for a similarity matrix, no model."""

    def __init__(self):
        self.calls = []

    def encode(self, texts):
        import numpy as np

        self.calls.append(list(texts))
        m = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                m[i, ord(ch) % 64] += 1
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def test_heatmap_with_encoder_object_uses_norms():
    al = make_alignment()
    enc = FakeEncoder()
    fig = viz.heatmap(al, encoder=enc)
    assert enc.calls == [al.src.norms, al.tgt.norms]
    assert fig.axes[0].images[0].get_array().shape == (5, 6)


def test_similarity_matrix_encoder_name_from_stats(monkeypatch):
    import paralign.embed as embed

    seen = []
    monkeypatch.setattr(embed, "get_encoder", lambda name: seen.append(name) or FakeEncoder(),
                        raising=False)
    al = make_alignment(stats={"encoder": "my-encoder"})
    assert viz.similarity_matrix(al).shape == (5, 6)
    assert seen == ["my-encoder"]


def test_heatmap_large_skips_labels_and_rectangles():
    al = big_alignment(600)
    np = pytest.importorskip("numpy")
    fig = viz.heatmap(al, sim=np.eye(600, dtype=np.float32))
    ax = fig.axes[0]
    assert not ax.patches  # too many beads: the path alone
    assert len(ax.get_yticklabels()) < 50


def test_heatmap_on_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    al = make_alignment()
    assert viz.heatmap(al, sim=block_sim(al), ax=ax) is fig


FIGURES = {
    "length_ratio_plot": viz.length_ratio_plot,
    "score_histogram": viz.score_histogram,
    "bead_type_chart": viz.bead_type_chart,
}


FIGURE_CASES = [(name, subject) for name in sorted(FIGURES)
                for subject in ("alignment", "corpus", "list")
                if name != "length_ratio_plot" or subject == "alignment"]  # ratio: per document


@pytest.mark.parametrize("name, subject", FIGURE_CASES)
def test_figures_return_figure(name, subject):
    from matplotlib.figure import Figure

    al = make_alignment()
    obj = {"alignment": al,
           "corpus": real_corpus(2, al),
           "list": [al, al]}[subject]
    fig = FIGURES[name](obj)
    assert isinstance(fig, Figure)
    save(fig, f"{name}-{subject}.png")


def test_bead_type_chart_counts():
    fig = viz.bead_type_chart(make_alignment())
    ax = fig.axes[0]
    widths = {t.get_text(): b.get_width()
              for t, b in zip(ax.get_yticklabels(), ax.patches)}
    assert widths == {"1-1": 3, "1-2": 1, "1-0": 1, "0-1": 1}


def test_score_histogram_counts():
    fig = viz.score_histogram(make_alignment(), bins=10)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert sum(heights) == 6
    assert "2 below 0.5" in fig.axes[0].get_title()


# -- CJK glyphs --------------------------------------------------------------------------------
def _draw_warnings(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        viz.figure_png(fig)
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


def test_cjk_font_is_found():
    fams = viz.cjk_font_families()
    assert len(fams) == 2, f"no CJK font found (families: {fams}); install the [notebook] extra"


@pytest.mark.parametrize("plot", ["heatmap", "title", "bead_type_chart"])
def test_cjk_labels_have_no_missing_glyphs(plot):
    al = make_alignment()
    if plot == "heatmap":
        fig = viz.heatmap(al, sim=block_sim(al))
    elif plot == "title":
        fig = viz.score_histogram(al)
        fig.axes[0].set_title("對齊分數 簡体中文 English")
        viz._apply_fonts(fig)
    else:
        fig = viz.bead_type_chart(al)
        fig.axes[0].set_xlabel("句對數量")
        viz._apply_fonts(fig)
    assert _draw_warnings(fig) == []


def test_missing_glyph_check_detects_tofu():
    """Control: the same label in a Latin-only font does warn, so the check above is real."""
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().set_title("對齊", fontfamily="DejaVu Sans")
    assert _draw_warnings(fig)


def test_use_cjk_fonts_for_plain_matplotlib():
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context():
        assert viz.use_cjk_fonts() == viz.cjk_font_families()
        fig = Figure()
        fig.add_subplot().set_title("用户自己的图 user's own figure")
        assert _draw_warnings(fig) == []



def test_corpus_renders_in_notebooks():
    from paralign.corpus import ParallelCorpus

    corpus = ParallelCorpus(":memory:")
    al = make_alignment()
    corpus.add(al, doc_id="d")
    html = corpus._repr_html_()
    assert "<table" in html or "<div" in html
    assert al.beads[0].tgt_text.split()[0] in html
    corpus.close()
    assert "closed" in corpus._repr_html_()
