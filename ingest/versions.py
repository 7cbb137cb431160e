"""Write an index version atomically, point ``CURRENT`` at it, and clean up after killed ingests.

A build writes ``versions/.staging-<name>/``, renames it to ``versions/<name>/`` and only then
replaces the ``CURRENT`` pointer with ``os.replace``, so a crash or Ctrl-C at any moment leaves
the previous version serving. One ingest at a time holds the index folder's lock.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from filelock import FileLock

from ingest.records import IndexedSentence, Passage
from ingest.store import DATA_FILES, sha256_file

KEEP_VERSIONS = 2  # the one serving and the one before it, for readers still holding it
STAGING_PREFIX = ".staging-"  # versions/.staging-<name>: the folder write_version fills, then renames
CURRENT_TMP_PREFIX = ".CURRENT."  # .CURRENT.<pid>: the pointer written before it replaces CURRENT
_STAGING = re.compile(re.escape(STAGING_PREFIX) + r"\d{8}-\d{6}-[0-9a-f]{6}")


@contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's lock (``.lock``): one ingest writes at a time, across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(index_dir / ".lock"):
        yield


def unit_matrix(rows: list[np.ndarray], dim: int) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), dim)
    faiss.normalize_L2(matrix)  # inner product over unit vectors is cosine similarity
    return matrix


def _flat_index(matrix: np.ndarray) -> faiss.Index:
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    return index


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def write_version(
    index_dir: Path,
    manifest: dict[str, Any],
    chunks: list[Passage],
    sentences: list[IndexedSentence],
    chunk_matrix: np.ndarray,
    sentence_matrix: np.ndarray,
    write_more: Callable[[Path], list[str]] | None = None,
) -> str:
    """Write a new version (rows of the matrices in the order of ``chunks`` and ``sentences``) and
    point ``CURRENT`` at it; returns its name. ``write_more(folder)`` writes further files (the
    translated views) and returns their names, which the manifest's checksums then cover too.
    Call under :func:`ingest_lock`."""
    versions = index_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%d-%H%M%S") + "-" + os.urandom(3).hex()
    staging = versions / (STAGING_PREFIX + name)
    try:
        staging.mkdir()
        faiss.write_index(_flat_index(chunk_matrix), str(staging / "chunks.faiss"))
        faiss.write_index(_flat_index(sentence_matrix), str(staging / "sentences.faiss"))
        _write_json(staging / "chunks.json", [c.to_json() for c in chunks])
        _write_json(staging / "sentences.json", [s.to_json() for s in sentences])
        more = write_more(staging) if write_more else []
        manifest = dict(manifest, checksums={n: sha256_file(staging / n) for n in (*DATA_FILES, *more)})
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


def remove_leftovers(index_dir: Path) -> None:
    """Remove a killed ingest's staging folders and CURRENT temp files (only names savol writes);
    called under the ingest lock, when no other ingest can be writing them."""
    versions = index_dir / "versions"
    for path in versions.iterdir() if versions.is_dir() else ():
        if path.is_dir() and _STAGING.fullmatch(path.name):
            shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(CURRENT_TMP_PREFIX + "*"):
        if path.is_file() and path.suffix[1:].isdigit():
            path.unlink(missing_ok=True)
