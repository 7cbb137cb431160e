"""Exceptions of the ground floor (corpus, index, embedder); the CLI, chat page and benchmark
turn them into messages.

Every error carries a one-line, human message that names the problem and the fix.
"""

from __future__ import annotations


class SavolError(Exception):
    """Base class: ``str(error)`` is the message shown to a person."""


class CorpusError(SavolError):
    """The corpus folder is missing, empty or holds a file that cannot be read."""


class IndexMissing(SavolError):
    """No index has been built yet in the index folder."""


class IndexCorrupt(SavolError):
    """An index file is truncated, garbled or does not match its manifest."""


class EmbedderMismatch(SavolError):
    """The index was built by another embedder or another schema version."""


class EmbedderUnavailable(SavolError):
    """The requested embedder cannot be loaded (missing extra, unknown model)."""
