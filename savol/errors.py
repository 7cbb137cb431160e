"""Exceptions raised by the library; the CLI, chat page and benchmark turn them into messages.

Every error carries a one-line, human message that names the problem and the fix.
"""

from __future__ import annotations


class SavolError(Exception):
    """Base class: ``str(error)`` is the message shown to a person."""


class BadQuestion(SavolError):
    """The question cannot be answered as given (empty, too long, undecodable).

    ``str(error)`` is the English message (CLI, API). The chat page says it in the reader's
    language from ``reason`` (``not_text``, ``not_utf8``, ``empty``, ``too_long``) and ``values``
    (``length``, ``limit``), and falls back to ``str(error)`` for any other reason.
    """

    def __init__(self, message: str, *, reason: str = "", values: dict[str, int] | None = None):
        super().__init__(message)
        self.reason = reason
        self.values = values or {}


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


class LLMUnavailable(SavolError):
    """The ``--llm`` backend cannot be set up (missing extra, bad spec, missing model file)."""
