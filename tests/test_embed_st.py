"""The sentence-transformers route: bundled encoders inside SentenceTransformer, ST objects as Encoders."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")

import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402
from sentence_transformers.base.modules import Dense  # noqa: E402

from paralign.embed import CachedEncoder, EmbeddingCache, Encoder, as_encoder, get_encoder  # noqa: E402
from paralign.embed.st import BundledInputModule, STEncoder, bundled_sentence_transformer  # noqa: E402
from paralign.errors import EncoderError  # noqa: E402

TEXTS = [
    "国务院昨天公布了新的城市交通规划。",
    "The State Council published a new urban transport plan yesterday.",
    "這座古老的寺廟已經有一千多年的歷史。",
    "",
    "x" * 5000,
    "lone \ud800 surrogate 😀",
]


pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py


@pytest.mark.parametrize("name", ["use-m3", "e5-small"])
def test_st_route_equals_direct_route(name: str) -> None:
    direct = get_encoder(name, cache=False, route="direct")
    via_st = get_encoder(name, cache=False, route="st")
    assert isinstance(via_st, STEncoder)
    assert via_st.signature == direct.signature and via_st.dim == direct.dim
    a, b = direct.encode(TEXTS), via_st.encode(TEXTS)
    cos = np.sum(a * b, axis=1)
    assert (cos > 0.999).all(), cos


@pytest.mark.parametrize("name", ["use-m3", "e5-small"])
def test_st_encode_itself_matches_direct(name: str) -> None:
    model = bundled_sentence_transformer(name)
    clean = TEXTS[:3]
    st_vecs = model.encode(clean, batch_size=2, normalize_embeddings=True, show_progress_bar=False)
    enc = get_encoder(name, cache=False)
    direct = enc.encode(clean)
    assert st_vecs.shape == direct.shape
    assert (np.sum(st_vecs * direct, axis=1) > 0.999).all()
    assert model.get_embedding_dimension() == enc.dim


def test_plain_sentence_transformer_is_accepted() -> None:
    model = SentenceTransformer(modules=[BundledInputModule("use-m3")], device="cpu")
    assert not isinstance(model, Encoder)  # needs wrapping ...
    enc = as_encoder(model)  # ... which as_encoder does
    assert isinstance(enc, Encoder)
    assert enc.dim == 512 and enc.signature == "use-m3:0.2.1:512"
    out = enc.encode(TEXTS)
    assert out.dtype == np.float32 and out.shape == (len(TEXTS), 512)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)


def test_sentence_transformer_with_cache(tmp_path) -> None:
    model = SentenceTransformer(modules=[BundledInputModule("use-m3")], device="cpu")
    calls: list[int] = []
    orig = model.encode

    def counting(*args, **kwargs):
        calls.append(1)
        return orig(*args, **kwargs)

    model.encode = counting  # type: ignore[method-assign]
    enc = CachedEncoder(model, EmbeddingCache(tmp_path))
    first = enc.encode(TEXTS[:3])
    n = len(calls)
    assert n >= 1
    np.testing.assert_array_equal(enc.encode(TEXTS[:3]), first)
    assert len(calls) == n


def test_custom_st_stack_gets_generic_signature() -> None:
    torch.manual_seed(0)
    model = SentenceTransformer(
        modules=[BundledInputModule("use-m3"), Dense(in_features=512, out_features=64)], device="cpu"
    )
    enc = as_encoder(model)
    assert enc.dim == 64
    assert enc.signature.startswith("st:") and ":64:" in enc.signature
    out = enc.encode(TEXTS)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)


def test_folder_that_is_not_a_model(tmp_path) -> None:
    (tmp_path / "junk.txt").write_text("not a model")
    with pytest.raises(EncoderError, match="cannot load"):
        get_encoder(str(tmp_path))


def test_bundled_module_rejects_unknown_name() -> None:
    with pytest.raises(EncoderError):
        BundledInputModule("labse")
