"""The chat page's entry point: ``python chat_app.py`` (or ``savol serve``).

The page itself lives in the :mod:`page` package, shaped like Gradio's own demos:
:func:`~page.app.respond` streams an answer, :func:`~page.app.build_app` returns the
Blocks, and ``launch`` runs only from :func:`~page.serve.main`.
"""

from __future__ import annotations

import sys

from ingest.settings import configure_runtime

if __name__ == "__main__":
    configure_runtime()  # before FAISS and the e5 engine load OpenMP
    print("savol: starting the chat page…", file=sys.stderr, flush=True)  # loading Gradio takes seconds

from page.app import build_app, respond
from page.serve import main

__all__ = ["build_app", "main", "respond"]

if __name__ == "__main__":
    sys.exit(main())
