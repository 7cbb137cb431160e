"""savol: questions about a news article, answered with quotes from it."""

import ingest  # noqa: F401  (sets OpenMP's wait policy before any OpenMP library loads)
