"""savol: questions about a news article, answered with quotes from it.

This package is the command line (:mod:`savol.cli`), the top floor. The product's floors,
from the ground up: :mod:`ingest`, :mod:`retriever`, :mod:`answering`, then the faces
people touch, :mod:`page` (the chat page, entry ``chat_app.py``) and this CLI.
"""
