"""Build the index: read the corpus, split it, embed what changed, write a new version.

Vectors of unchanged chunks and sentences are reused, so re-ingesting an unchanged
corpus embeds nothing. Reading the index back is :mod:`ingest.store`; writing a version
atomically is :mod:`ingest.versions`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import faiss
import numpy as np

from ingest.corpus import SourceFile, list_corpus, read_source
from ingest.embeddings import Embedder
from ingest.errors import SavolError
from ingest.lang import detect_language
from ingest.records import IndexedSentence, Passage
from ingest.settings import Settings
from ingest.split import Chunk, Sentence, chunk_sentences, looks_like_heading, split_sentences
from ingest.store import SCHEMA_VERSION, Store, load_store
from ingest.terms import terms
from ingest.text import embedding_text, lexical_tokens, normalize
from ingest.translations import read_translations
from ingest.versions import ingest_lock, remove_leftovers, unit_matrix, write_version
from ingest.views import build_views, plan_views, view_vectors, write_views

SPLITTER_VERSION = 1
Progress = Callable[[int], Callable[[int], None]]  # progress(total) -> advance(n)


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did, for the CLI and the benchmark."""

    index_dir: Path
    version: str
    changed: bool
    files: int
    chunks: int
    sentences: int
    embedded: int
    reused: int
    removed_files: list[str]
    seconds: float


def _chunking_params(settings: Settings) -> dict:
    return {
        "target_tokens": settings.chunk_target_tokens,
        "max_tokens": settings.chunk_max_tokens,
        "overlap_sentences": settings.chunk_overlap_sentences,
        "splitter_version": SPLITTER_VERSION,
    }


def _previous(index_dir: Path, embedder_id: str, params: dict) -> Store | None:
    """The serving version when its vectors can be reused, else None (a full rebuild)."""
    try:
        store = load_store(index_dir)
    except SavolError:
        return None
    if store.embedder_id != embedder_id or store.manifest.get("chunking") != params:
        return None
    return store


def _vectors_by_id(index: faiss.Index, ids: list[str]) -> dict[str, np.ndarray]:
    if not ids:
        return {}
    matrix = index.reconstruct_n(0, index.ntotal)
    return dict(zip(ids, matrix))


def build_index(
    settings: Settings, embedder: Embedder, rebuild: bool = False, progress: Progress | None = None
) -> IngestReport:
    """Ingest ``settings.corpus_dir`` into ``settings.index_dir``, embedding only what changed.

    Args:
        settings: where the corpus and the index are, and how to chunk.
        embedder: an embedder from :func:`ingest.embeddings.get_embedder`.
        rebuild: ignore the existing index and embed everything again.
        progress: ``progress(total)`` returns a callable ``advance(n)``, or None for silence.

    Raises:
        CorpusError: a corpus file cannot be read (nothing is written).
    """
    started = time.perf_counter()
    index_dir = Path(settings.index_dir)
    # Every file and translation is read and checked before anything is written.
    paths = list_corpus(settings.corpus_dir)
    sources = [read_source(p) for p in paths]
    split = {s.name: split_sentences(s) for s in sources}
    translations = {s.name: read_translations(p, s, split[s.name]) for p, s in zip(paths, sources)}
    params = _chunking_params(settings)

    with ingest_lock(index_dir):
        remove_leftovers(index_dir)
        previous = None if rebuild else _previous(index_dir, embedder.id, params)
        old_files = previous.manifest["files"] if previous else {}
        translated = {name: {lang: t.sha256 for lang, t in by_lang.items()} for name, by_lang in translations.items()}
        new_files = {s.name: _fingerprint(s.sha256, translated[s.name]) for s in sources}
        old_fingerprints = {n: _fingerprint(f["sha256"], f.get("translations", {})) for n, f in old_files.items()}
        if previous and old_fingerprints == new_files:
            return IngestReport(
                index_dir,
                previous.version,
                False,
                len(sources),
                len(previous.chunks),
                len(previous.sentences),
                0,
                len(previous.chunks) + len(previous.sentences),
                [],
                time.perf_counter() - started,
            )

        chunks: list[Passage] = []
        sentences: list[IndexedSentence] = []
        file_meta = {}
        for source in sources:
            language = detect_language(source.text)
            if previous and old_files.get(source.name, {}).get("sha256") == source.sha256:
                file_chunks = [c for c in previous.chunks if c.source == source.name]
                file_sentences = [s for s in previous.sentences.values() if s.source == source.name]
            else:
                file_chunks, file_sentences = _split(source, split[source.name], language, settings, embedder)
            chunks.extend(file_chunks)
            sentences.extend(file_sentences)
            file_meta[source.name] = {
                "sha256": source.sha256,
                "title": source.title,
                "date": source.date,
                "language": language,
                "chunks": len(file_chunks),
                "sentences": len(file_sentences),
                "translations": translated[source.name],
            }
        languages = {name: str(meta["language"]) for name, meta in file_meta.items()}
        plan = _plan(chunks, sentences, previous, embedder)
        old_views = view_vectors(previous.views) if previous else {}
        view_plan = plan_views([t for by_lang in translations.values() for t in by_lang.values()], old_views.get)
        total = len(plan.todo) + len(plan.todo_terms) + len(view_plan.todo)  # one bar for the whole ingest
        advance = progress(total) if (progress and total) else None
        chunks, vectors = _embed(plan, chunks, sentences, languages, embedder, advance)
        views, view_matrices, view_embedded = build_views(view_plan, embedder, advance)
        embedded = len(plan.todo) + view_embedded

        dim = embedder.dim
        chunk_matrix = unit_matrix([vectors[c.id] for c in chunks], dim)
        sentence_matrix = unit_matrix([vectors[s.id] for s in sentences], dim)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "embedder": embedder.id,
            "dim": dim,
            "metric": "inner_product",
            "latent_terms": embedder.has_latent_terms,
            "chunking": params,
            "files": file_meta,
            "counts": {"files": len(sources), "chunks": len(chunks), "sentences": len(sentences)},
            "views": {lang: len(record["sentence_ids"]) for lang, record in views.items()},
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        version = write_version(
            index_dir,
            manifest,
            chunks,
            sentences,
            chunk_matrix,
            sentence_matrix,
            write_more=lambda folder: write_views(folder, views, view_matrices),
        )
        removed = sorted(set(old_files) - set(new_files))
        total = len(chunks) + len(sentences) + sum(len(m) for m in view_matrices.values())
        return IngestReport(
            index_dir,
            version,
            True,
            len(sources),
            len(chunks),
            len(sentences),
            embedded,
            total - embedded,
            removed,
            time.perf_counter() - started,
        )


def _fingerprint(sha256: str, translations: dict[str, str]) -> tuple:
    """What decides whether a file changed: its text's and its translations' (``{lang: sha256}``) hashes."""
    return sha256, tuple(sorted(translations.items()))


def _split(
    source: SourceFile, split: list[Sentence], language: str, settings: Settings, embedder: Embedder
) -> tuple[list[Passage], list[IndexedSentence]]:
    """A changed file's passages and sentences, with their BM25 tokens and content terms."""
    made = chunk_sentences(
        source,
        split,
        lambda text: embedder.count_tokens(embedding_text(normalize(text), language)),
        target_tokens=settings.chunk_target_tokens,
        max_tokens=min(settings.chunk_max_tokens, embedder.max_tokens),
        overlap=settings.chunk_overlap_sentences,
    )
    return [_passage(c) for c in made], [_indexed(s, language) for s in split]


def _passage(chunk: Chunk) -> Passage:
    return Passage(
        id=chunk.id,
        source=chunk.source,
        title=chunk.title,
        date=chunk.date,
        paragraphs=chunk.paragraphs,
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
        sentence_ids=chunk.sentence_ids,
        tokens=tuple(lexical_tokens(chunk.text)),
    )


def _indexed(sentence: Sentence, language: str) -> IndexedSentence:
    return IndexedSentence(
        id=sentence.id,
        source=sentence.source,
        paragraph=sentence.paragraph,
        start=sentence.start,
        end=sentence.end,
        text=sentence.text,
        tokens=tuple(lexical_tokens(sentence.text)),
        terms=tuple(terms(sentence.text, language)),  # for the reranker's term overlap
        heading=looks_like_heading(sentence.text),
    )


@dataclass
class _Plan:
    """What an ingest reuses from the previous index and what it must embed."""

    old_vectors: dict[str, np.ndarray]
    old_terms: dict[str, tuple]
    todo: list[str]  # ids of the passages and sentences to embed
    todo_terms: list[str]  # ids of the passages whose latent terms to compute


def _plan(chunks: list[Passage], sentences: list[IndexedSentence], previous: Store | None, embedder: Embedder) -> _Plan:
    old_vectors: dict[str, np.ndarray] = {}
    old_terms: dict[str, tuple] = {}
    if previous:
        old_vectors.update(_vectors_by_id(previous.chunk_index, [c.id for c in previous.chunks]))
        old_vectors.update(_vectors_by_id(previous.sentence_index, previous.sentence_ids))
        old_terms = {c.id: c.latent_terms for c in previous.chunks if c.latent_terms is not None}
    records: list[Passage | IndexedSentence] = [*chunks, *sentences]
    todo = [r.id for r in records if r.id not in old_vectors]
    todo_terms = [c.id for c in chunks if c.id not in old_terms] if embedder.has_latent_terms else []
    return _Plan(old_vectors, old_terms, list(dict.fromkeys(todo)), todo_terms)


def _embed(
    plan: _Plan,
    chunks: list[Passage],
    sentences: list[IndexedSentence],
    languages: dict[str, str],
    embedder: Embedder,
    advance: Callable[[int], None] | None,
) -> tuple[list[Passage], dict[str, np.ndarray]]:
    """Vectors for every passage and sentence (reused when unchanged) and the passages with their
    latent terms; ``advance(n)`` after each batch."""
    records: list[Passage | IndexedSentence] = [*chunks, *sentences]
    texts = {r.id: (r.text, r.source) for r in records}
    prepared = {  # embedded as its file's language reads best (Uzbek in Latin)
        i: embedding_text(normalize(texts[i][0]), languages[texts[i][1]])
        for i in dict.fromkeys(plan.todo + plan.todo_terms)
    }
    vectors = dict(plan.old_vectors)
    vectors.update(zip(plan.todo, embedder.embed_passages([prepared[i] for i in plan.todo], progress=advance)))
    if embedder.has_latent_terms:
        found = dict(plan.old_terms)
        latent = embedder.latent_terms([prepared[i] for i in plan.todo_terms], progress=advance)
        for i, (ids, weights) in zip(plan.todo_terms, latent):
            found[i] = (tuple(ids), tuple(weights))
        chunks = [_with_terms(c, found[c.id]) for c in chunks]
    return chunks, vectors


def _with_terms(chunk: Passage, latent_terms: tuple) -> Passage:
    return replace(chunk, latent_terms=latent_terms)
