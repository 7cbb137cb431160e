"""The article in the reader's language: a view per translation, searchable like the original.

A view holds, for every sentence of the original that has a translation, that translation, its
dense vector (the same embedder; e5 reads Russian and English far better than Uzbek) and its
content terms in that language (:func:`ingest.terms.terms`, Snowball stems), which BM25 and the
"does the article say this at all" features read. A view sentence keeps its original's id, so
whatever retrieval finds in a view is cited and quoted from the original.

Written beside the index's own files as ``views.json`` and ``view-<lang>.faiss``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from ingest.embeddings import Embedder
from ingest.split import content_id
from ingest.terms import terms
from ingest.text import normalize, strip_invisible
from ingest.translations import Translation

VIEWS_FILE = "views.json"


def view_file(lang: str) -> str:
    return f"view-{lang}.faiss"


@dataclass
class View:
    """One language's view of the corpus: rows of ``index`` in the order of ``sentence_ids``."""

    lang: str
    sentence_ids: list[str]
    texts: list[str]
    terms: list[tuple[str, ...]]
    index: faiss.Index
    titles: dict[str, str]  # source file name -> its title in this language
    rows: dict[str, int] = field(init=False)  # sentence id -> row

    def __post_init__(self) -> None:
        self.rows = {sid: i for i, sid in enumerate(self.sentence_ids)}

    def text_of(self, sentence_id: str) -> str | None:
        row = self.rows.get(sentence_id)
        return None if row is None else self.texts[row]


def vector_key(lang: str, text: str) -> str:
    """What a view sentence's vector is reused by: the same text in the same language."""
    return content_id("view", lang, text)


@dataclass
class ViewPlan:
    """The views of every language the translations cover, before their new sentences are embedded."""

    records: dict[str, dict]  # per language, the JSON record of its view
    rows: dict[str, list[tuple[str, str]]]  # per language, (sentence id, text) in record order
    todo: list[tuple[str, str]]  # (lang, text) of the sentences the previous index has no vector for
    reused: dict[str, np.ndarray]  # the others' vectors, by vector_key


def plan_views(translations: list[Translation], reuse: Callable[[str], np.ndarray | None]) -> ViewPlan:
    """What :func:`build_views` will embed: ``todo`` says how many texts, for the progress bar.

    Args:
        translations: every article's translations (an article may have several languages).
        reuse: a vector from the previous index by :func:`vector_key`, or None.
    """
    records: dict[str, dict] = {}
    rows: dict[str, list[tuple[str, str]]] = {}
    for tr in translations:
        record = records.setdefault(tr.lang, {"sentence_ids": [], "texts": [], "terms": [], "titles": {}})
        record["titles"][tr.source] = tr.title
        for sid, text in tr.texts.items():
            text = strip_invisible(text).strip()
            if not text:
                continue
            record["sentence_ids"].append(sid)
            record["texts"].append(text)
            record["terms"].append(terms(text, tr.lang))
            rows.setdefault(tr.lang, []).append((sid, text))
    todo, reused = [], {}
    for lang, pairs in rows.items():
        for _sid, text in pairs:
            key = vector_key(lang, text)
            vector = reuse(key)
            if vector is None:
                todo.append((lang, text))
            else:
                reused[key] = vector
    return ViewPlan(records, rows, todo, reused)


def build_views(
    plan: ViewPlan, embedder: Embedder, advance: Callable[[int], None] | None = None
) -> tuple[dict[str, dict], dict[str, np.ndarray], int]:
    """The views of a :func:`plan_views` plan, its new sentences embedded.

    Args:
        advance: ``advance(n)`` after each batch embedded (the ingest's progress bar), or None.

    Returns:
        ``(records, matrices, embedded)``: per language, the JSON record of its view and the unit
        matrix of its sentence vectors (rows in record order), and how many texts were embedded.
    """
    todo = plan.todo
    vectors = dict(plan.reused)
    vectors.update(
        zip(
            (vector_key(lang, text) for lang, text in todo),
            embedder.embed_passages([normalize(text) for _lang, text in todo], progress=advance) if todo else [],
        )
    )
    matrices = {}
    for lang, pairs in plan.rows.items():
        found = [vectors[vector_key(lang, text)] for _sid, text in pairs]
        matrix = np.asarray(found, dtype=np.float32).reshape(len(found), embedder.dim)
        faiss.normalize_L2(matrix)
        matrices[lang] = matrix
    return {lang: plan.records[lang] for lang in matrices}, matrices, len(todo)


def write_views(folder: Path, records: dict[str, dict], matrices: dict[str, np.ndarray]) -> list[str]:
    """Write the views into an index version's folder; returns the file names written."""
    if not records:
        return []
    names = [VIEWS_FILE]
    (folder / VIEWS_FILE).write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    for lang, matrix in matrices.items():
        index = faiss.IndexFlatIP(matrix.shape[1])
        index.add(matrix)
        faiss.write_index(index, str(folder / view_file(lang)))
        names.append(view_file(lang))
    return names


def load_views(folder: Path, languages: dict[str, int], dim: int) -> dict[str, View]:
    """Read the views a manifest lists (``{lang: sentences}``); raises ValueError if they disagree."""
    if not languages:
        return {}
    data = json.loads((folder / VIEWS_FILE).read_text(encoding="utf-8"))
    views = {}
    for lang, count in languages.items():
        record = data[lang]
        index = faiss.read_index(str(folder / view_file(lang)))
        ids, texts, bags = record["sentence_ids"], record["texts"], record["terms"]
        if not (len(ids) == len(texts) == len(bags) == index.ntotal == count) or index.d != dim:
            raise ValueError(f"view {lang} disagrees with the manifest")
        views[lang] = View(lang, list(ids), list(texts), [tuple(b) for b in bags], index, dict(record["titles"]))
    return views


def view_vectors(views: dict[str, View]) -> dict[str, np.ndarray]:
    """Every view sentence's vector by :func:`vector_key`, for the next ingest to reuse."""
    out: dict[str, np.ndarray] = {}
    for view in views.values():
        if view.index.ntotal:
            matrix = view.index.reconstruct_n(0, view.index.ntotal)
            out.update((vector_key(view.lang, t), row) for t, row in zip(view.texts, matrix))
    return out
