"""Exceptions of the answering floor: a question that cannot be asked, an LLM that cannot be set up.

The faces (CLI, page, JSON API) turn them into messages; every one carries a one-line,
human message that names the problem and the fix.
"""

from __future__ import annotations

from ingest.errors import SavolError


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


class LLMUnavailable(SavolError):
    """The ``--llm`` backend cannot be set up (missing extra, bad spec, missing model file)."""
