"""Ingest: read the corpus, normalise, split into sentences and chunks, embed, index."""

import os

# OpenMP threads (FAISS, the e5 engine) that spin while waiting stall when another
# process holds a core of a shared 2-core machine: p95 went from ~0.2 s to ~1 s under
# load. Passive waiting costs a few ms per query on a quiet machine. It must be set
# before the OpenMP runtime loads, hence here; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
