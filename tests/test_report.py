"""paralign.report: the self-contained HTML report, checked as text and in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from paralign.alignment.bead import Alignment, Bead
from paralign.corpus.corrections import load_corrections, sentences_sha256
from paralign.report import _fold_table, render_report
from paralign.text.document import Document, Sentence
from alignment_samples import BEADS, EN_BASE, ZH, block_sim, build_alignment

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

EN = EN_BASE + ["A <script>alert('x')</script> translator's note & more."]


def rows_html(page: str) -> str:
    """The page before its scripts (whose row template holds the same markup)."""
    return page.split("<script")[0]


def make_alignment(zh=ZH, en=EN, beads=BEADS) -> Alignment:
    return build_alignment(zh, en, beads, signature="paralign 0.1.0|enc:test|max:4x4")


ZH_HANS = ["苏联于一九九0年和南韩建交。", "莫斯科与汉城发展密切的经贸关系。", "但并未放弃对平壤的支持。",
           "一九九一年俄罗斯继承苏联。", "其结果使莫斯科逐渐丧失对平壤的影响力。"]


def hans_alignment(parallelism: float = 0.8) -> Alignment:
    """The sample in Simplified Chinese."""
    src = Document(tuple(Sentence(t) for t in ZH_HANS), lang="zh", script="Hans")
    tgt = Document(tuple(Sentence(t) for t in EN), lang="en", script="Latn")
    return Alignment(src, tgt, [Bead(a, b, sc) for a, b, sc in BEADS], signature="sig",
                     parallelism=parallelism)


def review_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def big_alignment(n: int) -> Alignment:
    """n beads of every common type, scores spread over [0, 1)."""
    kinds = [(1, 1)] * 6 + [(1, 2), (2, 1), (1, 0), (0, 1)]
    zh, en, beads = [], [], []
    for k in range(n):
        a, b = kinds[k % len(kinds)]
        s = tuple(range(len(zh), len(zh) + a))
        t = tuple(range(len(en), len(en) + b))
        zh += [f"第{k}個句子講述外交與貿易。" + ("平壤" if k % 7 == 0 else "")] * a
        en += [f"Sentence {k} is about diplomacy and trade." + (" Pyongyang" if k % 7 == 0
                                                                   else "")] * b
        beads.append((s, t, (k * 37 % 100) / 100))
    return make_alignment(zh, en, beads)


# -- the page as text ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def page_html() -> str:
    al = make_alignment()
    return render_report(al, sim=block_sim(al), title="Seed <abstract>")


@pytest.mark.parametrize("needle", [
    "<!DOCTYPE html>", '<meta charset="utf-8">',
    "<title>Seed &lt;abstract&gt;</title>",
    "paralign 0.1.0|enc:test|max:4x4",             # the signature
    'data:image/png;base64,',                      # heatmap embedded
    '<tr data-k="1-2"><td>1-2</td><td>1</td>',     # bead-type counts
    'id="minscore"', 'id="q"', 'id="kind"', 'id="lowonly"',  # filter + search controls
    "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;",    # texts escaped
    'class="r c2 low null"',                        # 1-0 bead, score 0.2, flagged
    "蘇聯於一九九0年和南韓建交。", 'lang="zh-Hant"',
    ':lang(zh-Hant),:lang(zh-TW),:lang(zh-MO){font-family:"Noto Sans CJK TC"',  # its face
    'id="merge-next"', 'id="split"', 'id="wrong"', 'id="download"',  # the review loop
    'id="heat" data-box="',                        # the heatmap links to the rows
])
def test_report_contains(page_html, needle):
    assert needle in page_html


def test_report_is_self_contained(page_html):
    assert "<script>alert" not in page_html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page_html)
    assert "<link" not in page_html
    assert not re.search(r"<script[^>]+src=", page_html)
    assert "@import" not in page_html and "url(" not in page_html


def test_report_rows_and_scores(page_html):
    rows = re.findall(r'<div class="r ([^"]+)" role="row" data-s="([0-9.]+)" '
                      r'data-k="([0-9-]+)">', page_html)
    assert [(float(s), k) for _, s, k in rows] == [(sc, f"{len(a)}-{len(b)}")
                                                   for a, b, sc in BEADS]
    assert sum("low" in c.split() for c, _, _ in rows) == 2


@pytest.mark.parametrize("texts, has, lacks", [
    (["蘇聯於一九九0年"], {"蘇": "苏", "聯": "联", "於": "于"}, ["一", "九"]),  # Traditional
    (["苏联于一九九0年"], {"蘇": "苏", "聯": "联", "於": "于"}, ["苏", "联", "一"]),  # Simplified
    (["平壤", "The Soviet Union"], {}, ["平", "壤", "T"]),  # the same in both scripts
    (["𠀋 rare"], {}, ["𠀋"]),  # outside the BMP: offsets would not carry over
])
def test_fold_table(texts, has, lacks):
    table = _fold_table(texts)
    assert {k: table.get(k) for k in has} == has
    assert not any(k in table for k in lacks)
    assert all(len(k) == len(v) == 1 for k, v in table.items())


def test_review_data_describes_every_bead():
    al = make_alignment()
    data = review_data(render_report(al, heatmap=False, max_beads=4))
    assert data["beads"] == [[0, 1, 0, 1, 0.93, "aligner"], [1, 1, 1, 1, 0.8, "aligner"],
                             [2, 1, 2, 2, 0.55, "aligner"], [3, 1, 4, 1, 0.9, "aligner"],
                             [4, 1, 5, 0, 0.2, "aligner"], [5, 0, 5, 1, 0.1, "aligner"]]
    assert data["shown"] == 4 and data["sentences"] == [ZH, EN]
    head = data["header"]
    assert head["format"] == "paralign-corrections" and head["signature"] == al.signature
    assert head["source"]["sha256"] == sentences_sha256(ZH)
    assert head["target"]["sha256"] == sentences_sha256(EN)
    assert data["lang"] == ["zh-Hant", "en"] and data["joiner"] == ["", " "]


@pytest.mark.parametrize("verdict, parallelism, banner, text", [
    ("no", 0.05, "not-parallel", "do not look like translations of each other</b>: "
                                 "parallelism 0.05, under 0.3"),
    ("no", float("nan"), "not-parallel", "do not look like translations of each other</b>, "),
    ("too short to judge", 0.9, "too-short", "too short to judge"),
    ("yes", 0.05, None, None),
    (None, 0.05, None, None),   # no verdict (a hand-made alignment): nothing claimed
])
def test_banner_says_the_verdict(verdict, parallelism, banner, text):
    al = make_alignment()
    stats = {} if verdict is None else {"parallel": verdict}
    al = Alignment(al.src, al.tgt, list(al.beads), parallelism=parallelism, stats=stats)
    page = rows_html(render_report(al, heatmap=False))
    for b in ("not-parallel", "too-short"):
        assert (f'id="{b}"' in page) == (b == banner)
    if text:
        assert text in page


def test_report_of_a_corrected_alignment_shows_the_edits():
    """A corrected alignment (paralign apply, a corpus) reviewed again: each edited bead says
    its origin, and the page's model starts from them."""
    al = make_alignment()
    fixed = Alignment(al.src, al.tgt, [Bead((0, 1), (0, 1), 1.0, origin="merge")]
                      + [Bead(b.src, b.tgt, b.score) for b in al.beads[2:4]]
                      + [Bead((4,), (), 0.2, origin="wrong"), Bead((), (5,), 0.1, origin="wrong")],
                      signature="sig")
    page = render_report(fixed, heatmap=False)
    labels = re.findall(r'<div class="r ([^"]+)" role="row"[^>]*>.*?<span role="cell" '
                        r'class="s">([^<]+)</span>', rows_html(page))
    assert [(("ed" in c.split()), s) for c, s in labels] == [
        (True, "merge"), (False, "0.55"), (False, "0.90"), (True, "wrong"), (True, "wrong")]
    assert [b[5] for b in review_data(page)["beads"]] == ["merge", "aligner", "aligner",
                                                         "wrong", "wrong"]


def test_report_written_to_path(tmp_path):
    out = tmp_path / "sub" / "report.html"
    al = make_alignment()
    text = al.to_html(out, sim=block_sim(al))
    assert out.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("kwargs, present, absent", [
    ({"heatmap": False}, [], ["data:image/png", 'id="heatmap-note"']),
    ({"max_beads": 2}, ["showing the first 2 of 6 beads"], []),
    ({"encoder": "__no_such_encoder__"}, ['id="heatmap-note"', "no heatmap"],
     ["data:image/png"]),
])
def test_report_options(kwargs, present, absent):
    html = render_report(make_alignment(), **kwargs)
    for s in present:
        assert s in html
    for s in absent:
        assert s not in html
    if "max_beads" in kwargs:
        assert rows_html(html).count('class="n"') == kwargs["max_beads"]


def test_report_heatmap_true_propagates_errors():
    with pytest.raises(Exception):
        render_report(make_alignment(), encoder="__no_such_encoder__", heatmap=True)


def test_report_big_document_skips_costly_heatmap():
    html = render_report(big_alignment(2500))
    assert rows_html(html).count('class="n"') == 2500
    assert "no heatmap" in html and "larger than" in html


# -- in a real browser -----------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser_page():
    """A fresh headless Debian Chromium driven by playwright (no downloaded browser)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run must apt-get install chromium")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with tempfile.TemporaryDirectory(prefix="paralign-chromium-") as profile, \
            sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROME_ARGS,
            viewport={"width": 1280, "height": 900})
        try:
            yield ctx
        finally:
            ctx.close()


def open_report(ctx, path: Path):
    """Open the page, recording console errors, page errors and any network request."""
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    t0 = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.paralignReport !== undefined")
    return page, problems, time.perf_counter() - t0


VISIBLE = "document.querySelectorAll('#rows > .r:not([hidden])').length"


def visible(page) -> int:
    return page.evaluate(VISIBLE)


def settle(page) -> None:
    """Wait for the frame in which coalesced input events are applied, and the highlights."""
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def set_slider(page, value: float) -> None:
    page.eval_on_selector("#minscore", """(el, v) => { el.value = v;
        el.dispatchEvent(new Event('input', {bubbles: true})); }""", str(value))
    settle(page)


# (action, argument, expected visible rows of BEADS, expected <mark> count)
INTERACTIONS = [
    ("slider", 0.6, 3, 0),               # 0.93, 0.80, 0.90
    ("slider", 0.0, 6, 0),
    ("lowonly", True, 2, 0),             # 0.20, 0.10
    ("lowonly", False, 6, 0),
    ("kind", "1-1", 3, 0),
    ("kind", "", 6, 0),
    ("search", "平壤", 2, 2),            # zh side, both rows highlighted
    ("search", "PYONGYANG", 1, 1),       # en side, case-insensitive
    ("search", "soviet", 2, 2),
    ("search", "<script>", 1, 1),        # searched as text, not markup
    ("search", "no such words", 0, 0),
    ("search", "", 6, 0),
]


@pytest.mark.browser
def test_report_in_browser(browser_page, tmp_path):
    al = make_alignment()
    path = tmp_path / "report.html"
    render_report(al, path, sim=block_sim(al), title="Seed abstract (test)")
    page, problems, _ = open_report(browser_page, path)
    assert page.inner_text("#count") == "6 of 6 beads shown"
    assert visible(page) == 6
    assert page.evaluate("document.querySelector('#heatmap img').naturalWidth") > 200
    for action, arg, n_rows, n_marks in INTERACTIONS:
        if action == "slider":
            set_slider(page, arg)
        elif action == "lowonly":
            page.set_checked("#lowonly", arg)
        elif action == "kind":
            page.select_option("#kind", arg)
        else:
            page.fill("#q", arg)
            settle(page)
        assert visible(page) == n_rows, (action, arg)
        assert page.inner_text("#count") == f"{n_rows} of 6 beads shown", (action, arg)
        assert page.locator("#rows mark").count() == n_marks, (action, arg)
        assert page.is_visible("#none") == (n_rows == 0)
    # combined: search + filter; then the reset button clears everything
    page.fill("#q", "平壤")
    set_slider(page, 0.5)
    assert visible(page) == 1
    marked = page.inner_html("#rows > .r:not([hidden]) > :nth-child(4)")
    assert marked == "但並未放棄對<mark>平壤</mark>的支持。"
    page.click("#clear")
    assert visible(page) == 6 and page.locator("#rows mark").count() == 0
    assert page.input_value("#q") == ""
    page.click('#kinds tr[data-k="1-2"]')  # a bead type in the summary filters by it
    assert visible(page) == 1 and page.input_value("#kind") == "1-2"
    page.click("#clear")
    # the picture a person would see: search for 平壤 and keep the flagged rows
    page.fill("#q", "平壤")
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.close()
    assert problems == []


@pytest.mark.browser
def test_big_report_filters_fast(browser_page, tmp_path):
    n = 5000
    al = big_alignment(n)
    path = tmp_path / "big.html"
    t0 = time.perf_counter()
    render_report(al, path, heatmap=False)
    render_s = time.perf_counter() - t0
    page, problems, load_s = open_report(browser_page, path)
    assert visible(page) == n
    expected_06 = sum(b.score >= 0.6 - 1e-9 for b in al.beads)
    n_trade = sum("trade" in b.tgt_text for b in al.beads)  # 1-0 beads have no English
    timings: dict[str, float] = {"render_s": render_s, "load_s": load_s}

    def timed(label: str, js: str) -> int:
        """Run an interaction and wait until the next frame is painted; return visible rows."""
        t = page.evaluate("""async (js) => {
            const t0 = performance.now();
            (new Function(js))();
            document.body.offsetHeight;  // force style + layout
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            return performance.now() - t0; }""", js)
        timings[label] = t / 1000
        return visible(page)

    assert timed("slider_0.6_s", "const s = document.getElementById('minscore'); "
                 "s.value = '0.6'; s.dispatchEvent(new Event('input'));") == expected_06
    assert timed("search_zh_s", "const q = document.getElementById('q'); q.value = '平壤'; "
                 "q.dispatchEvent(new Event('input'));") == sum(
        1 for b in al.beads if b.score >= 0.6 - 1e-9 and "平壤" in b.src_text)
    assert timed("search_en_common_s", "document.getElementById('minscore').value = '0'; "
                 "const q = document.getElementById('q'); q.value = 'trade'; "
                 "q.dispatchEvent(new Event('input'));") == n_trade
    assert page.locator("#rows mark").count() == sum(b.tgt_text.count("trade")
                                                     for b in al.beads)  # every occurrence
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-big-search.png"))  # the viewport only
    assert timed("reset_s", "document.getElementById('clear').click();") == n
    assert timed("merge_s", "window.paralignReport.select(10); "
                 "document.getElementById('merge-next').click();") == n - 1
    assert timed("undo_s", "document.getElementById('undo').click();") == n
    assert page.evaluate("window.paralignReport.check()")
    page.close()
    (ARTIFACTS / "report-timings.json").write_text(json.dumps(timings, indent=2))
    print("big report timings:", json.dumps(timings))
    assert problems == []
    assert load_s < 10, timings
    for key, secs in timings.items():
        if key.endswith("_s") and key not in ("render_s", "load_s"):
            assert secs < 2.0, timings


def platform_fonts(page, selector: str) -> list[str]:
    """The fonts Chromium drew the text of ``selector`` with (DevTools protocol)."""
    page.eval_on_selector(selector, "el => el.scrollIntoView({block: 'center'})")
    settle(page)
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return [f["familyName"] for f in sorted(fonts, key=lambda f: -f["glyphCount"])]


# (alignment, query in the other script, rows found, highlighted text, the face drawing it)
SCRIPTS = [
    (make_alignment, "苏联", 2, ["蘇聯", "蘇聯"], "Noto Sans CJK TC"),
    (make_alignment, "莫斯科与汉城", 1, ["莫斯科與漢城"], "Noto Sans CJK TC"),
    (hans_alignment, "蘇聯", 2, ["苏联", "苏联"], "Noto Sans CJK SC"),
    (hans_alignment, "對平壤", 2, ["对平壤", "对平壤"], "Noto Sans CJK SC"),
    (hans_alignment, "Soviet", 2, ["Soviet", "Soviet"], None),
]


@pytest.mark.browser
@pytest.mark.parametrize("make, query, n_rows, marks, face", SCRIPTS)
def test_report_scripts_in_browser(browser_page, tmp_path, make, query, n_rows, marks, face):
    """Traditional drawn with a Traditional face, Simplified with a Simplified one; the
    search finds either script with the other."""
    path = tmp_path / "r.html"
    render_report(make(), path, heatmap=False)
    page, problems, _ = open_report(browser_page, path)
    page.fill("#q", query)
    settle(page)
    assert visible(page) == n_rows
    assert page.locator("#rows mark").all_inner_texts() == marks
    if face is not None:  # the first row found: its Chinese cell
        fonts = platform_fonts(page, "#rows > .r:not([hidden]) > :nth-child(4)")
        if not any("CJK" in f for f in fonts) and not os.environ.get("CI"):
            pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
        assert fonts[0] == face, fonts
    page.close()
    assert problems == []


@pytest.mark.browser
def test_report_heatmap_links_to_rows(browser_page, tmp_path):
    al = make_alignment()
    path = tmp_path / "r.html"
    render_report(al, path, sim=block_sim(al))
    page, problems, _ = open_report(browser_page, path)
    page.set_viewport_size({"width": 1280, "height": 500})
    for i, j, row in [(3, 4, 4), (0, 0, 1), (4, 5, 5), (2, 3, 3), (2, 0, 3)]:
        page.fill("#q", "Korea")  # shows bead 1 only: a filter hiding the bead is lifted
        settle(page)
        pos = page.eval_on_selector("#heat", """(img, c) => {
            const box = img.dataset.box.split(" ").map(Number);
            const lim = img.dataset.lim.split(" ").map(Number);
            const fx = (c[1] - lim[0]) / (lim[1] - lim[0]), fy = (c[0] - lim[2]) / (lim[3] - lim[2]);
            return {x: (box[0] + fx * box[2]) * img.width, y: (box[1] + fy * box[3]) * img.height};
        }""", [i, j])
        page.click("#heat", position=pos)
        settle(page)
        hl = page.eval_on_selector_all("#rows > .r.hl", "rs => rs.map(r => r.children[0].textContent)")
        assert hl == [str(row)], (i, j)
        assert page.inner_text("#sel-info").startswith(f"bead {row} ")
        box = page.locator(f"#rows > .r:nth-child({row})").bounding_box()
        assert 0 <= box["y"] <= 500 - box["height"]  # scrolled into view
        assert visible(page) == (1 if row == 1 else 6)
    page.close()
    assert problems == []


# -- the review loop, end to end -----------------------------------------------------------
BIBLE = ROOT / "corpora" / "bible"
EXODUS = (BIBLE / "exodus-20.zh.txt", BIBLE / "exodus-20.en.txt")


@pytest.fixture(scope="module")
def exodus_report(tmp_path_factory) -> Path:
    """``paralign report`` on Exodus 20, as a user runs it."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("exodus") / "exodus.html"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    run = subprocess.run([sys.executable, "-m", "paralign", "report", *map(str, EXODUS),
                          "-o", str(out)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def expected_edits(beads: list[dict]) -> list[tuple[tuple[int, ...], tuple[int, ...], str]]:
    """The test's edits done in Python on the page's beads: merge 1 and 2, split the result
    after its first source sentence, mark the first paired bead from the 5th wrong."""
    rng = [(tuple(range(b["s0"], b["s0"] + b["ns"])), tuple(range(b["t0"], b["t0"] + b["nt"])),
            b["origin"]) for b in beads]
    (s1, t1, _), (s2, t2, _) = rng[0], rng[1]
    s, t = s1 + s2, t1 + t2
    out = [(s[:1], (), "split"), (s[1:], t, "split")] + rng[2:]
    k = next(k for k in range(4, len(out)) if out[k][0] and out[k][1])
    out[k] = (out[k][0], out[k][1], "wrong")
    return out


@pytest.mark.browser
def test_review_loop_end_to_end(browser_page, exodus_report, tmp_path):
    """Open the report, merge, split, mark wrong, undo, download; apply the download to the
    texts with ``paralign apply``; the TSV, the TMX and the corpus hold the corrected beads."""
    from playwright.sync_api import expect

    from paralign.cli import main
    from paralign.corpus import ParallelCorpus, read_tsv

    page, problems, _ = open_report(browser_page, exodus_report)
    n = page.evaluate("window.paralignReport.total")
    # every row the page draws is the row Python wrote
    assert page.evaluate("""() => Array.from(document.querySelectorAll('#rows > .r')).every(
        (r, k) => { const t = document.createElement('template');
                    t.innerHTML = window.paralignReport.rowHtml(k);
                    return t.content.firstChild.outerHTML === r.outerHTML; })""")
    initial = page.evaluate("window.paralignReport.beads()")
    expected = expected_edits(initial)

    def row(k: int):
        return page.locator(f"#rows > .r:nth-child({k})")

    row(1).locator(".k").click()
    assert page.inner_text("#sel-info").startswith("bead 1 ")
    page.click("#merge-next")
    assert page.evaluate("window.paralignReport.total") == n - 1
    # the row is drawn again in the next frame: wait for it (auto-retrying, up to 5 s)
    expect(row(1).locator(".s")).to_have_text("merge")
    row(1).locator(".k").click()
    page.click("#split")
    assert page.is_visible("#splitter")
    page.select_option("#split-src", "0")
    page.select_option("#split-tgt", "0")
    page.click("#split-ok")  # nothing in the first part: refused, the panel stays
    assert "each part needs a sentence" in page.inner_text("#split-what")
    page.select_option("#split-src", "1")
    page.click("#split-ok")
    assert not page.is_visible("#splitter")
    for k in (1, 2):
        expect(row(k).locator(".s")).to_have_text("split")
    k_wrong = next(k for k, b in enumerate(expected) if b[2] == "wrong") + 1
    row(k_wrong).locator(".k").click()
    page.click("#wrong")
    expect(row(k_wrong)).to_have_class(re.compile(r"(^|\s)wrong(\s|$)"))
    row(k_wrong + 2).locator(".k").click()
    page.click("#merge-prev")  # a slip: undone
    page.click("#undo")
    assert page.evaluate("window.paralignReport.total") == n
    expect(page.locator("#edits")).to_have_text("3 edited beads")
    assert page.evaluate("window.paralignReport.check()")  # the filter's arrays follow
    # the search still works on the edited table
    page.fill("#q", "耶和華")  # Traditional query, Simplified text
    settle(page)
    assert visible(page) > 0 and page.locator("#rows mark").first.inner_text() == "耶和华"
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "exodus-20.corrections.json"
    corrections = tmp_path / download.value.suggested_filename
    download.value.save_as(corrections)
    page.close()
    assert [p for p in problems if not p.startswith("request: blob:")] == []

    corr = load_corrections(corrections)
    assert [(b.src, b.tgt, b.origin) for b in corr.beads] == expected
    assert corr.edits() == {"split": 2, "wrong": 1}
    # apply: TSV (every bead), TMX (pairs only), the corpus (with the origins)
    out, tmx, db = tmp_path / "fixed.tsv", tmp_path / "fixed.tmx", tmp_path / "c.db"
    assert main(["-q", "apply", str(corrections), *map(str, EXODUS), "-o", str(out),
                 "--corpus", str(db)]) == 0
    halves = []
    for s, t, o in expected:
        halves += [(s, (), o), ((), t, o)] if o == "wrong" else [(s, t, o)]
    got = [(u.src_idx, u.tgt_idx) for u in read_tsv(out).pairs(skip_null=False)]
    assert got == [(s, t) for s, t, _ in halves]
    with ParallelCorpus(db, readonly=True) as c:
        assert [(p.src_idx, p.tgt_idx, p.origin) for p in c.pairs(skip_null=False)] == halves
    assert main(["-q", "apply", str(corrections), *map(str, EXODUS), "-o", str(tmx)]) == 0
    assert tmx.read_text(encoding="utf-8").count("</tu>") == sum(1 for s, t, _ in halves
                                                                 if s and t)


# -- command line ----------------------------------------------------------------------------
def test_cli_report(exodus_report):
    page = exodus_report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="rows"' in page
    assert "耶和华" in page and "LORD" in page
