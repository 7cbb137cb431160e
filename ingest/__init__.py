"""Ingest, the ground floor: read the corpus, normalise, split into sentences and chunks,
embed, and write the index. Settings, errors and each language's words live here too,
so that every floor above can read them."""
