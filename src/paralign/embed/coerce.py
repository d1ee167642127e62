"""Any encoder-like object as an :class:`~paralign.embed.base.Encoder`.

One door for the objects users hand to paralign (``Aligner(encoder=...)``,
``CachedEncoder(...)``): paralign's encoders and anything that already fits the protocol
(a :class:`~paralign.embed.cache.CachedEncoder` among them) pass through unchanged; a
``sentence_transformers.SentenceTransformer`` is wrapped. It sits below the cache and the
registry, which both use it, and imports sentence-transformers only for the wrapping.
"""

from __future__ import annotations

from paralign.embed.base import BaseEncoder, Encoder

__all__ = ["as_encoder"]


def _is_sentence_transformer(obj: object) -> bool:
    cls_names = {c.__name__ for c in type(obj).__mro__}
    return "SentenceTransformer" in cls_names or (
        hasattr(obj, "encode") and hasattr(obj, "get_sentence_embedding_dimension")
    )


def as_encoder(obj: object, *, progress: bool | None = None) -> Encoder:
    """``obj`` as an :class:`Encoder`: encoders pass through, ``SentenceTransformer`` objects are wrapped."""
    if isinstance(obj, BaseEncoder):
        return obj
    if _is_sentence_transformer(obj):
        from paralign.embed.st import STEncoder

        return STEncoder(obj, progress=progress)
    if isinstance(obj, Encoder):
        return obj
    raise TypeError(
        f"{type(obj).__name__} is not an encoder: need encode(list[str]) -> array plus "
        "name, dim and signature, or a sentence_transformers.SentenceTransformer"
    )
