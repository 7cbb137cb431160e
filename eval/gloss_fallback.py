"""Does glossing an English question into Uzbek (ingest/dictionary.py) help retrieval without an English view?

On the English answerable questions of the given datasets (deduplicated), over the passages of an
index, R@1/R@5/MRR with the question alone and with its gloss added to the lexical side:

* BM25 alone, ``score = bm25(question) + w * bm25(gloss)`` for several weights ``w``;
* the hybrid retriever (no reranker), the same weighted BM25, the gloss's tokens counted in its
  coverage gate, the embedder still reading the question alone.

    savol ingest --index /tmp/idx_tr
    python -m eval.gloss_fallback --index /tmp/idx_tr
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

import numpy as np

from eval.dataset import load_dataset
from eval.metrics import ranking_metrics, relevant
from ingest.dictionary import english_to_uzbek, gloss_question
from ingest.embeddings import get_embedder
from ingest.lang import stopwords, words
from ingest.settings import PROJECT_ROOT, Settings
from ingest.store import load_store
from ingest.text import lexical_tokens
from retriever.hybrid import HybridRetriever

DATASETS = (PROJECT_ROOT / "eval" / "qa.jsonl", PROJECT_ROOT / "eval" / "qa_dev.jsonl")
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)


class GlossedRetriever(HybridRetriever):
    """The hybrid retriever whose BM25 side also reads ``gloss``, weighted by ``gloss_weight``.

    The coverage gate counts the question's and the gloss's tokens: a plain English question has
    almost none in the article, which would switch the lexical side off whatever the gloss holds.
    """

    gloss: str = ""
    gloss_weight: float = 1.0

    def model_post_init(self, __context) -> None:
        super().model_post_init(__context)
        self._bm25 = _Weighted(self._bm25, self)

    def lexical_tokens(self, text: str) -> list[str]:
        return lexical_tokens(text, fold=self.fold) + self.gloss_tokens()

    def gloss_tokens(self) -> list[str]:
        return lexical_tokens(self.gloss) if self.gloss else []


class _Weighted:
    """BM25 over the question's tokens plus ``gloss_weight`` × BM25 over the gloss's (the list's tail)."""

    def __init__(self, bm25, owner: GlossedRetriever):
        self.bm25, self.owner = bm25, owner

    def get_scores(self, tokens):
        gloss = self.owner.gloss_tokens()
        question = tokens[: len(tokens) - len(gloss)]
        scores = np.asarray(self.bm25.get_scores(question), dtype=np.float64) if question else 0.0
        if gloss:
            scores = scores + self.owner.gloss_weight * np.asarray(self.bm25.get_scores(gloss), dtype=np.float64)
        return scores


def english_items(paths) -> list:
    seen, items = set(), []
    for path in paths:
        for item in load_dataset(Path(path)):
            key = (item.question, tuple(item.history))
            if item.lang == "en" and item.answerable and key not in seen:
                seen.add(key)
                items.append(item)
    return items


def summary(flag_lists) -> dict:
    metrics = [ranking_metrics(flags) for flags in flag_lists]
    return {k: mean(m[k] for m in metrics) for k in ("recall@1", "recall@5", "mrr@10")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/idx_tr"))
    parser.add_argument("--dataset", type=Path, nargs="+", default=list(DATASETS))
    args = parser.parse_args(argv)
    settings = Settings.from_env(index_dir=args.index)
    store = load_store(settings.index_dir)
    embedder = get_embedder(settings.embedder)
    items = english_items(args.dataset)
    chunks = [c.text for c in store.chunks]
    content = [w for it in items for w in words(it.question.lower(), letters=True) if w not in stopwords("en")]
    glossed = sum(1 for w in content if english_to_uzbek(w))
    print(f"{len(items)} English answerable questions; {glossed}/{len(content)} content words glossed")

    bm25 = HybridRetriever(store=store, embedder=embedder, mode="bm25")
    for weight in WEIGHTS:
        flags = []
        for item in items:
            scores = np.asarray(bm25._bm25.get_scores(bm25.lexical_tokens(item.question)), dtype=np.float64)
            gloss = lexical_tokens(gloss_question(item.question))
            if weight and gloss:
                scores = scores + weight * np.asarray(bm25._bm25.get_scores(gloss), dtype=np.float64)
            order = np.argsort(-scores, kind="stable")[:10]
            flags.append([relevant(chunks[i], item.evidence) for i in order])
        print(f"bm25   gloss weight {weight:<4g} " + _row(summary(flags)))

    hybrid = GlossedRetriever(
        store=store,
        embedder=embedder,
        mode="hybrid",
        lexical_weight=settings.lexical_weight,
        latent_weight=settings.latent_weight,
    )
    for weight in WEIGHTS:
        hybrid.gloss_weight = weight
        flags = []
        for item in items:
            hybrid.gloss = gloss_question(item.question) if weight else ""
            hits = hybrid.search(item.question, k=10)
            flags.append([relevant(h.passage.text, item.evidence) for h in hits])
        print(f"hybrid gloss weight {weight:<4g} " + _row(summary(flags)))
    return 0


def _row(s: dict) -> str:
    return f"R@1 {s['recall@1']:.3f}  R@5 {s['recall@5']:.3f}  MRR@10 {s['mrr@10']:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
