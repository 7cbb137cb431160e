"""Answering, the floor above retrieval: the question, the answerers and the chain.

:class:`~answering.chain.Savol` is the service the page, the CLI and the benchmark use: it
loads the index, runs question -> retriever -> reranker -> answerer, and follows re-ingests.
The names below load on first use, so importing ``answering.errors`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Answer", "BadQuestion", "Citation", "Savol"]

_HOMES = {
    "Answer": "answering.answer",
    "Citation": "answering.answer",
    "BadQuestion": "answering.errors",
    "Savol": "answering.chain",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'answering' has no attribute {name!r}")
