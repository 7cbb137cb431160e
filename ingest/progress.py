"""A progress bar on stderr for long work (embedding the corpus), shared by the CLI and the page's server."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.index import Progress


def progress_bar(desc: str) -> Progress:
    """``progress(total)`` for :func:`ingest.index.build_index`: a tqdm bar on stderr, closed when full."""

    def start(total: int):
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, unit="text", file=sys.stderr, leave=False)

        def advance(n: int) -> None:
            bar.update(n)
            if bar.n >= bar.total:
                bar.close()

        return advance

    return start
