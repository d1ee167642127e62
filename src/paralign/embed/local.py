"""Finding a sentence-transformers model on this machine, without the network and without torch.

paralign never downloads: a model is usable only if it is a local folder or already in the
Hugging Face cache. Checking that here, with ``huggingface_hub``'s cache lookup only, lets an
unknown name fail in milliseconds (importing torch and sentence-transformers alone takes
seconds, and an online lookup would retry for much longer).
"""

from __future__ import annotations

import os
from pathlib import Path

from paralign.errors import EncoderError

__all__ = ["resolve_local_model", "force_offline"]


def force_offline() -> None:
    """Tell huggingface_hub / transformers never to reach the hub (unless the user said otherwise)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _candidates(name: str) -> list[str]:
    """Hub ids a name may be cached under (ST expands bare names to sentence-transformers/...)."""
    return [name] if "/" in name else [name, f"sentence-transformers/{name}"]


def _is_cached(repo_id: str, cache_folder: str | None) -> bool:
    """Whether the Hugging Face cache holds ``repo_id`` (a config file of it), offline."""
    from huggingface_hub import try_to_load_from_cache

    for fname in ("modules.json", "config.json"):
        try:
            hit = try_to_load_from_cache(repo_id, fname, cache_dir=cache_folder)
        except Exception:  # invalid repo id (spaces, odd characters): simply not cached
            return False
        if isinstance(hit, str):
            return True
    return False


def resolve_local_model(name: str, cache_folder: str | None = None) -> str:
    """The local folder or cached hub id to load ``name`` from; :class:`EncoderError` if none.

    The message says how to get the model onto this machine, since that is the only fix.
    """
    force_offline()
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    for cand in _candidates(name):
        if _is_cached(cand, cache_folder):
            return cand
    looks_like_path = name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name
    if looks_like_path:
        raise EncoderError(
            f"encoder {name!r} is unknown: it is not a bundled encoder (e5-small, use-m3) and the "
            "sentence-transformers model folder does not exist. Pass the path of a folder written "
            "by SentenceTransformer.save(); paralign never downloads models."
        )
    raise EncoderError(
        f"encoder {name!r} is unknown: it is not a bundled encoder (e5-small, use-m3) and the "
        "sentence-transformers model is not in the local Hugging Face cache. paralign never "
        "downloads models: on a machine with internet run `python -c \"from sentence_transformers "
        f"import SentenceTransformer as S; S('{name}').save('MODEL_DIR')\"`, copy MODEL_DIR here "
        "and pass its path as the encoder (or copy the Hugging Face cache folder, "
        "~/.cache/huggingface)."
    )
