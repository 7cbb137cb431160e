"""Does glossing an English question into Uzbek (ingest/dictionary.py) help retrieval without an English view?

On the English answerable questions of the given datasets (deduplicated), over the passages of an
index, R@1/R@5/MRR with the question alone and with its gloss added to the lexical side:

* BM25 alone, ``score = bm25(question) + w * bm25(gloss)`` for several weights ``w``;
* the hybrid retriever (no reranker, no views) at each ``gloss_weight``: its own English fallback,
  the same weighted BM25 with the gloss's tokens counted in its coverage gate, the embedder still
  reading the question alone.

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
            scores = bm25._bm25.scores(bm25.lexical_tokens(item.question)).astype(np.float64)
            gloss = lexical_tokens(gloss_question(item.question))
            if weight and gloss:
                scores = scores + weight * bm25._bm25.scores(gloss)
            order = np.argsort(-scores, kind="stable")[:10]
            flags.append([relevant(chunks[i], item.evidence) for i in order])
        print(f"bm25   gloss weight {weight:<4g} " + _row(summary(flags)))

    for weight in WEIGHTS:
        hybrid = HybridRetriever(
            store=store,
            embedder=embedder,
            mode="hybrid",
            lexical_weight=settings.lexical_weight,
            latent_weight=settings.latent_weight,
            use_views=False,
            gloss_weight=weight,
        )
        flags = []
        for item in items:
            hits = hybrid.search(item.question, k=10)
            flags.append([relevant(h.passage.text, item.evidence) for h in hits])
        print(f"hybrid gloss weight {weight:<4g} " + _row(summary(flags)))
    return 0


def _row(s: dict) -> str:
    return f"R@1 {s['recall@1']:.3f}  R@5 {s['recall@5']:.3f}  MRR@10 {s['mrr@10']:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
