"""The learned reranker: order the retrieved passages and their sentences, and judge whether
the article answers the question at all.

Two small logistic regressions over the general features of :mod:`retriever.features`,
trained by ``python -m eval.train`` and stored as JSON in ``retriever/reranker.json``
(no pickle):

* the **sentence model** scores every sentence of the hybrid top passages: how likely it
  holds the answer. Passages are reordered by their best sentence.
* the **answerability model** reads the question as a whole (the best score and its lead,
  the best similarities against their usual level for the question's language, how many
  of the question's terms the article has, whether the asked kind of answer is there)
  and gives P(the article answers). Below the trained threshold, savol refuses.

Without weights (or with weights trained for another embedder) sentences are ordered by
a fixed score, cosine plus term overlap, and nothing is refused: the ``hybrid-norerank``
benchmark configuration shows what the learned part adds.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ingest.errors import SavolError
from ingest.store import Store
from retriever.features import (
    CANDIDATE_PASSAGES,
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    Candidate,
    FeatureBuilder,
    QuestionInfo,
    answerability_features,
)
from retriever.hits import Hit
from retriever.hybrid import Query

log = logging.getLogger("savol")

MODEL_PATH = Path(__file__).with_name("reranker.json")
# The fixed score without a model: cosine, plus term overlap, minus a little per passage rank.
PLAIN_LEXICAL = 0.25
PLAIN_RANK = 0.03


class ModelUnusable(SavolError):
    """The reranker's weights file is missing, garbled or of another version."""


@dataclass(frozen=True)
class LinearModel:
    """A logistic regression on standardised features: ``logit = coef · (x - mean) / scale + intercept``."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, rows: list[dict]) -> np.ndarray:
        return ((feature_matrix(rows, self.features) - self.mean) / self.scale) @ self.coef + self.intercept

    def probabilities(self, rows: list[dict]) -> np.ndarray:
        return 1 / (1 + np.exp(-self.logits(rows)))

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": _floats(self.mean),
            "scale": _floats(self.scale),
            "coef": _floats(self.coef),
            "intercept": round(float(self.intercept), 6),
        }

    @classmethod
    def from_dict(cls, data: dict) -> LinearModel:
        features = tuple(data["features"])
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        intercept = float(data["intercept"])
        if any(a.shape != (len(features),) for a in arrays) or not np.all(arrays[1] > 0):
            raise ValueError("weights do not match the feature list")
        if not (np.all(np.isfinite(np.concatenate(arrays))) and np.isfinite(intercept)):
            raise ValueError("a weight is not finite")
        mean, scale, coef = arrays
        return cls(features, mean, scale, coef, intercept)


def feature_matrix(rows: list[dict], names) -> np.ndarray:
    """``rows`` (feature name -> value) as an array with one column per name, in ``names`` order."""
    return np.array([[row[n] for n in names] for row in rows], dtype=np.float64).reshape(len(rows), len(names))


def _floats(values) -> list[float]:
    return [round(float(v), 6) for v in values]


@dataclass
class RerankerWeights:
    """Everything ``eval.train`` learned, as stored in ``reranker.json``."""

    sentence: LinearModel
    answerable: LinearModel
    threshold: float  # refuse when P(answerable) is below this
    second_margin: float  # quote the second-best sentence too when its logit is within this of the best
    by_language: dict[str, dict[str, list[float]]]  # per-language [mean, std] of PER_LANGUAGE features
    embedder: str
    about: dict = field(default_factory=dict)  # training data, cross-validated figures, date

    VERSION = 1

    def to_dict(self) -> dict:
        return {
            "version": self.VERSION,
            "embedder": self.embedder,
            "threshold": round(self.threshold, 6),
            "second_margin": round(self.second_margin, 6),
            "sentence": self.sentence.to_dict(),
            "answerable": self.answerable.to_dict(),
            "by_language": self.by_language,
            "about": self.about,
        }

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> RerankerWeights:
        """Read the weights file.

        Raises:
            ModelUnusable: missing, not JSON, another version, or inconsistent.
        """
        retrain = "retrain it with: python -m eval.train"
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelUnusable(f"The reranker weights {path} are missing; {retrain}") from None
        except (OSError, ValueError):
            raise ModelUnusable(f"The reranker weights {path} are unreadable; {retrain}") from None
        try:
            if data.get("version") != cls.VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            weights = cls(
                sentence=LinearModel.from_dict(data["sentence"]),
                answerable=LinearModel.from_dict(data["answerable"]),
                threshold=float(data["threshold"]),
                second_margin=float(data["second_margin"]),
                by_language={
                    lang: {k: [float(v[0]), float(v[1])] for k, v in stats.items()}
                    for lang, stats in data["by_language"].items()
                },
                embedder=str(data["embedder"]),
                about=dict(data.get("about", {})),
            )
            # Weights for other features than this savol computes would score garbage (or fail per question).
            if weights.sentence.features != SENTENCE_FEATURES or weights.answerable.features != QUESTION_FEATURES:
                raise ValueError("its features are not the ones this savol computes")
            numbers = [weights.threshold, weights.second_margin] + [
                x for stats in weights.by_language.values() for pair in stats.values() for x in pair
            ]
            if not np.all(np.isfinite(numbers)):
                raise ValueError("a number is not finite")
            return weights
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ModelUnusable(f"The reranker weights {path} are not valid ({exc}); {retrain}") from None


@dataclass
class Evidence:
    """What the answerers work from: reranked passages, scored sentences, answerability."""

    question: QuestionInfo
    hits: list[Hit]  # passages, best first
    candidates: list[Candidate]  # sentences of the top passages, best first
    answerable: float | None = None  # P(the article answers); None without a model
    refuse: bool = False


class Reranker:
    """Rerank the hybrid top passages and score answerability over one index version.

    Args:
        store: the loaded index.
        weights: the trained model; None orders sentences by the fixed score and never refuses.
    """

    def __init__(self, store: Store, weights: RerankerWeights | None = None):
        self.builder = FeatureBuilder(store)
        self.weights = weights

    def rank(self, query: Query | str, hits: list[Hit], lang: str | None = None) -> Evidence:
        """Score the sentences of ``hits`` (retrieved for ``query``; a follow-up is read with its
        earlier turn) and the question's answerability. ``lang``: the question's language (detected
        from it when None); the answerers read it from ``Evidence.question``."""
        query = Query(query) if isinstance(query, str) else query
        q = self.builder.question(query, lang, view=any(h.view for h in hits))
        candidates = self.builder.candidates(q, hits)
        w = self.weights
        if w is None:
            for c in candidates:
                f = c.features
                c.logit = f["s_cos"] + PLAIN_LEXICAL * f["ov_cov"] - PLAIN_RANK * (c.hit.rank - 1)
        else:
            for c, logit in zip(candidates, w.sentence.logits([c.features for c in candidates])):
                c.logit = float(logit)
        candidates.sort(key=lambda c: -c.logit)
        ranked = self._reorder(hits, candidates) if w is not None else list(hits)
        evidence = Evidence(q, ranked, candidates)
        if w is not None and candidates:
            features = answerability_features(
                self.builder.question_features(q, candidates, hits), q.lang, w.by_language
            )
            evidence.answerable = float(w.answerable.probabilities([features])[0])
            evidence.refuse = evidence.answerable < w.threshold
        return evidence

    @staticmethod
    def _reorder(hits: list[Hit], candidates: list[Candidate]) -> list[Hit]:
        """The candidate passages by their best sentence, then the rest in retrieval order; each hit
        keeps its retrieval rank and gains its best sentence's score (``relevance``). The candidates
        are pointed at the reordered hits."""
        best: dict[str, float] = {}
        for c in candidates:
            best[c.hit.id] = max(best.get(c.hit.id, -math.inf), c.logit)
        head = sorted(hits[:CANDIDATE_PASSAGES], key=lambda h: -best.get(h.id, -math.inf))
        ordered = [
            replace(h, rank=rank, retrieval_rank=h.rank, relevance=best.get(h.id))
            for rank, h in enumerate(head + list(hits[CANDIDATE_PASSAGES:]), start=1)
        ]
        by_id = {h.id: h for h in ordered}
        for c in candidates:
            c.hit = by_id[c.hit.id]
        return ordered


def load_reranker(store: Store, embedder_id: str, path: Path = MODEL_PATH, enabled: bool = True) -> Reranker:
    """The reranker for ``store``: learned when its weights fit this embedder, else the fixed score
    (logged once: the learned weights only mean something for the embedder they were trained with).

    Raises:
        ModelUnusable: the weights file is missing or garbled.
    """
    if not enabled:
        return Reranker(store)
    weights = RerankerWeights.load(path)
    if weights.embedder != embedder_id:
        log.warning(
            "the reranker in %s was trained for embedder %s, not %s: sentences are ordered by "
            "similarity and nothing is refused; train one for it with: python -m eval.train",
            path,
            weights.embedder,
            embedder_id,
        )
        return Reranker(store)
    return Reranker(store, weights)
