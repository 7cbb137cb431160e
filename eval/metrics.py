"""Retrieval and answer metrics, compared after the index's own normalisation."""

from __future__ import annotations

import math
import warnings
from statistics import mean

import numpy as np
from scipy.stats import DegenerateDataWarning, bootstrap

from ingest.text import match_key

K_MAX = 10


def relevant(passage: str, evidence) -> bool:
    """A passage is relevant when it contains an evidence string (after normalisation)."""
    key = match_key(passage)
    return any(match_key(e) in key for e in evidence)


def answer_correct(answer: str, answers) -> bool:
    """An accepted short answer appears in the answer text (after normalisation)."""
    key = match_key(answer)
    return any(match_key(a) in key for a in answers)


def ranking_metrics(flags: list[bool]) -> dict:
    """Recall@k (k = 1..10: a relevant passage in the top k), MRR@10 and nDCG@10 (binary gains)."""
    flags = list(flags[:K_MAX]) + [False] * (K_MAX - len(flags[:K_MAX]))
    first = next((i for i, f in enumerate(flags) if f), None)
    out = {f"recall@{k}": float(first is not None and first < k) for k in range(1, K_MAX + 1)}
    out["mrr@10"] = 0.0 if first is None else 1.0 / (first + 1)
    dcg = sum(1.0 / math.log2(i + 2) for i, f in enumerate(flags) if f)
    n_rel = sum(flags)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(n_rel))
    out["ndcg@10"] = dcg / ideal if ideal else 0.0
    return out


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(records: list[dict]) -> dict:
    """Aggregate per-question records of one configuration (and one language group)."""
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    out: dict = {"n": len(records), "n_answerable": len(answerable), "n_unanswerable": len(unanswerable)}
    if answerable:
        for key in [f"recall@{k}" for k in range(1, K_MAX + 1)] + ["mrr@10", "ndcg@10"]:
            out[key] = mean(r["ranking"][key] for r in answerable)
    with_answers = [r for r in answerable if r.get("answer_correct") is not None]
    if with_answers:
        out["answer_accuracy"] = mean(float(r["answer_correct"]) for r in with_answers)
        out["first_sentence_accuracy"] = mean(float(r["first_correct"]) for r in with_answers)
        citations = [ok for r in with_answers for ok in r["citation_relevant"]]
        out["citation_precision"] = mean(citations) if citations else None
        out["false_refusal_rate"] = mean(float(r["refused"]) for r in with_answers)
    judged = [r for r in records if r.get("refused") is not None]
    refused = [r for r in judged if r["refused"]]
    if unanswerable and judged:
        out["refusal_recall"] = mean(float(r["refused"]) for r in unanswerable)
        out["refusal_precision"] = mean(float(not r["answerable"]) for r in refused) if refused else None
        off_topic = [r for r in unanswerable if r.get("off_topic")]
        out["off_topic_refusal"] = mean(float(r["refused"]) for r in off_topic) if off_topic else None
    # How long the answers to answerable questions are, so that quoting more cannot raise accuracy unseen.
    answered = [r for r in answerable if r.get("refused") is False and r.get("sentences") is not None]
    if answered:
        out["mean_sentences"] = mean(r["sentences"] for r in answered)
        out["mean_chars"] = mean(r["chars"] for r in answered)
    latencies = [r["latency_ms"] for r in records]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


# The figures the targets are set on; their 95% intervals are reported beside them.
CI_METRICS = (
    "recall@1",
    "recall@5",
    "answer_accuracy",
    "first_sentence_accuracy",
    "citation_precision",
    "refusal_recall",
    "off_topic_refusal",
    "false_refusal_rate",
)


def bootstrap_ci(
    records: list[dict], metrics=CI_METRICS, resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> dict:
    """``{metric: [low, high]}``: percentile bootstrap over questions (``scipy.stats.bootstrap``;
    questions are resampled whole, so a question's citations stay together), seeded so that a run
    can be repeated exactly.

    With 150 questions an accuracy of 0.88 is known to about ±0.05: the interval says which
    differences between configurations, or from a target, the data can tell apart. A figure that
    some resample cannot define (no unanswerable question drawn, say) gets no interval.
    """
    if not records:
        return {}
    metrics = list(metrics)

    def figures(rows: np.ndarray) -> np.ndarray:
        summary = summarize([records[i] for i in rows])
        return np.array([np.nan if summary.get(m) is None else summary[m] for m in metrics], dtype=float)

    with warnings.catch_warnings():  # a figure that is the same in every resample is an interval of one point
        warnings.simplefilter("ignore", DegenerateDataWarning)
        result = bootstrap(
            (np.arange(len(records)),),
            figures,
            n_resamples=resamples,
            confidence_level=level,
            method="percentile",
            vectorized=False,
            rng=np.random.default_rng(seed),
        )
    low, high = result.confidence_interval
    return {m: [float(lo), float(hi)] for m, lo, hi in zip(metrics, low, high) if np.isfinite(lo) and np.isfinite(hi)}
