"""The index being served, swapped for a new version while serving.

An ingest writes a new version and then points ``CURRENT`` at it (:mod:`ingest.index`).
:class:`LiveIndex` notices that on the next question, loads the new version, builds its
retriever, and swaps both in at once. A version that fails to load, or a damaged
``CURRENT``, is logged once, and the held version keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IndexCorrupt, IndexMissing, SavolError
from ingest.store import Store, current_version, load_store
from retriever.hybrid import HybridRetriever

log = logging.getLogger("savol")


@dataclass(frozen=True)
class Served:
    """One index version and the retriever over it, swapped together."""

    store: Store
    retriever: HybridRetriever


class LiveIndex:
    """The version ``CURRENT`` points at, loaded on first use and reloaded when it changes.

    Args:
        index_dir: the index folder.
        embedder_id: the embedder questions are embedded with; an index of another is refused.
        make_retriever: builds the retriever over a loaded store.
    """

    def __init__(
        self, index_dir: Path, embedder_id: Callable[[], str], make_retriever: Callable[[Store], HybridRetriever]
    ):
        self.index_dir = Path(index_dir)
        self._embedder_id = embedder_id
        self._make_retriever = make_retriever
        self._lock = threading.Lock()
        self._served: Served | None = None
        self._failed_version: str | None = None  # a new version that could not load: not tried again
        self._kept_because: str | None = None  # why the held version still serves, as last logged

    def current(self) -> Served:
        """The version being served, after loading a newer one if ``CURRENT`` moved.

        Raises:
            IndexMissing, IndexCorrupt, EmbedderMismatch: nothing can serve (at start).
        """
        self.refresh()
        assert self._served is not None
        return self._served

    def refresh(self) -> bool:
        """Load the version ``CURRENT`` points at if it is not the one held; True when it was swapped in.

        While serving, a damaged ``CURRENT`` or a version that fails to load is logged once, and the
        held version keeps serving.
        """
        try:
            name = current_version(self.index_dir)
        except IndexCorrupt as exc:  # garbled, empty or undecodable pointer
            if self._served is None:
                raise
            with self._lock:
                self._keep_serving(exc)
            return False
        held = self._served.store if self._served else None
        if held is not None and held.version == name:
            self._kept_because = None  # CURRENT is sound again: a new fault gets logged
            return False
        with self._lock:
            held = self._served.store if self._served else None
            if held is not None and held.version == name:
                return False
            if name is None and held is None:
                raise IndexMissing(f"No index in {self.index_dir}; build it with: savol ingest")
            if held is not None and name == self._failed_version:
                return False  # already reported; wait for the next ingest
            try:
                store = load_store(self.index_dir, self._embedder_id())
            except SavolError as exc:
                if held is None:
                    raise
                self._failed_version = name
                self._keep_serving(exc)
                return False
            self._served = Served(store, self._make_retriever(store))
            self._kept_because = None
            return True

    def _keep_serving(self, exc: SavolError) -> None:
        """Log (once for each reason) why the held version goes on serving; call under the lock."""
        if str(exc) != self._kept_because and self._served is not None:
            self._kept_because = str(exc)
            log.warning("keeping index version %s: %s", self._served.store.version, exc)
