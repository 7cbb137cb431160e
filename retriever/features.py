"""General features of a question and its candidate answer sentences, for the learned reranker.

Nothing here is about one article or one question: similarities from the embedder,
where the passage ranked, lemma overlap, what kind of answer the question asks for and
whether the sentence holds one, and how the best candidates compare. The weights that
combine them are learned (:mod:`eval.train`) and live in ``retriever/reranker.json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ingest.corpus import dateline_outlet
from ingest.lang import detect_language
from ingest.records import IndexedSentence
from ingest.store import Store
from ingest.terms import terms
from retriever.answer_type import counts, has_date, has_number, names, question_kind
from retriever.hits import Hit

CANDIDATE_PASSAGES = 8  # the reranker reorders the hybrid top 8 (the answer is in them 97% of the time)
CROSS_LINGUAL = ("ru", "en")  # questions that share almost no words with an Uzbek article
ORIGINAL = "original"  # the term space of the article's own text

# Per candidate sentence; the order is the order of the weights in reranker.json.
SENTENCE_FEATURES = (
    "s_cos",  # cosine of question and sentence (e5)
    "s_gap",  # best candidate's cosine minus this one's
    "s_z",  # cosine standardised over the candidates
    "s_z_x",  # the same, for a Russian or English question
    "prev_z",
    "next_z",  # the neighbouring sentences' standardised cosines (same passage)
    "p_rank",  # log(1 + rank of the passage in the hybrid ranking)
    "p_gap",  # top fused score minus the passage's
    "p_dense_gap",  # best passage cosine minus the passage's
    "p_lex",  # the passage's BM25 over the best candidate's
    "p_lat",
    "p_lat_x",  # the passage's latent-term score over the best candidate's (and for ru/en)
    "ov",  # idf-weighted share of the question's terms found in the sentence
    "ov_cov",  # the same, times the share of question terms the article knows at all
    "ov_x",  # the same, for a Russian or English question
    "ov_window",  # ... found in the sentence or a neighbour
    "prev_ov",
    "next_ov",  # ... found in the previous / next sentence
    "novelty",  # share of the sentence's terms the question does not have (restating is not answering)
    "n_match",  # log(1 + number of question terms in the sentence)
    "kind_match",  # the sentence holds what the question asks for (person, place, number, date)
    "kind_miss",  # the question asks for a kind the sentence does not hold
    "count_match",  # "how many X": a number in the sentence counts one of the question's terms
    "quote",  # the sentence is direct speech (starts with a dash)
    "length",  # log of the sentence's words
    "xling",  # the question is Russian or English
    "viewed",  # the question was matched in its own language's view (terms and cosines read from it)
    "dateline",  # a "when" question and the article's dateline sentence: the article's date answers it
)
# Per question, for the answerability model. "_lz" features are standardised by the question's
# language (cosines and latent scores run lower for Russian and English questions).
QUESTION_FEATURES = (
    "top_logit_lz",  # the sentence model's best score
    "cos_below",  # how far the best sentence cosine falls below its usual range (0 when within it)
    "max_lat_lz",  # best passage latent-term score
    "lat_below",  # how far it falls below its usual range
    "latent_coverage_lz",  # share of the question's latent-term weight on terms the corpus has
    "coverage_own",  # share of the question's terms the article has in the question's language (0 for
    # a ru/en question with no view of its language: it shares almost no words with the Uzbek text)
    "unknown_own",  # log(1 + the question's terms the article does not have, in its language)
    "top_missing",  # idf share of the question's known terms missing from the best passage
    "kind_nowhere",  # none of the three best sentences holds the asked kind of answer
    "top_kind_miss",  # the best sentence does not hold the asked kind of answer
    "margin",  # the best sentence's lead over the second
    "follow_up",  # the question was read with the previous one
)
PER_LANGUAGE = ("max_cos", "max_lat", "top_logit", "latent_coverage")
USUAL_RANGE = 1.0  # standard deviations below the language's mean where "_below" starts counting


def answerability_features(base: dict, lang: str, by_language: dict) -> dict:
    """The model's question features from :meth:`FeatureBuilder.question_features` and the
    per-language ``[mean, std]`` of the answerable training questions."""
    out = dict(base)
    for name in PER_LANGUAGE:
        mean, std = by_language.get(lang, {}).get(name, (0.0, 1.0))
        # Not measured (latent terms of a question sharing most words with the corpus): the usual level.
        out[name + "_lz"] = 0.0 if base[name] is None else (base[name] - mean) / (std or 1.0)
    out["cos_below"] = min(out["max_cos_lz"] + USUAL_RANGE, 0.0)
    out["lat_below"] = min(out["max_lat_lz"] + USUAL_RANGE, 0.0)
    own = float(not base["xling"] or base["viewed"])
    out["coverage_own"] = base["coverage"] * own
    out["unknown_own"] = base["unknown"] * own
    return out


@dataclass
class QuestionInfo:
    """What the features need to know about a question (with its follow-up context)."""

    text: str
    lang: str
    kind: str | None
    terms: set[str]
    known: list[str]  # terms the article has
    weight: float  # their summed idf
    coverage: float
    keys: set[str] = field(default_factory=set)  # analyzer keys, for "how many X"
    follow_up: bool = False  # read with the previous question
    space: str = ORIGINAL  # whose terms it is matched with: the original's, or a view's language


@dataclass
class Candidate:
    """A sentence of a retrieved passage, its features and (once scored) the model's logit."""

    sentence: IndexedSentence
    hit: Hit  # the passage it was retrieved in
    features: dict[str, float]
    logit: float = 0.0


class FeatureBuilder:
    """Features over one index version: sentence terms, their idf and neighbours."""

    def __init__(self, store: Store):
        self.store = store
        self.sentences = store.sentences
        original = {sid: set(s.terms) for sid, s in store.sentences.items()}
        self._spaces = {
            ORIGINAL: _Space(original, {sid: _names(s.text, "uz-Cyrl") for sid, s in self.sentences.items()})
        }
        for lang, view in store.views.items():
            bags = dict(original)  # an untranslated sentence keeps its original terms
            bags.update((sid, set(t)) for sid, t in zip(view.sentence_ids, view.terms))
            named = {sid: _names(text, lang) for sid, text in zip(view.sentence_ids, view.texts)}
            self._spaces[lang] = _Space(bags, named)
        self._keys = {sid: [t[2:] for t in s.terms if t.startswith("m:")] for sid, s in store.sentences.items()}
        self._facts = {sid: (has_number(s.text), has_date(s.text)) for sid, s in store.sentences.items()}
        first: dict[str, IndexedSentence] = {}
        for s in sorted(store.sentences.values(), key=lambda s: (s.source, s.start)):
            first.setdefault(s.source, s)
        self._datelines = {s.id for s in first.values() if dateline_outlet(s.text)}

    def question(self, query, lang: str | None = None, view: bool = True) -> QuestionInfo:
        """What the features need of ``query`` (a :class:`~retriever.hybrid.Query`): its terms with
        those of the earlier turn it was read with, and the kind of answer it asks for (its own
        kind: "Who signed it?" after "When was it signed?" asks for a person). ``view``: match it with
        its language's view of the article when there is one (retrieval did)."""
        text = " ".join(query.texts)
        lang = lang or detect_language(query.text)
        space = lang if view and lang in self._spaces else ORIGINAL
        idf = self._spaces[space].idf
        bag = set(terms(text, lang))
        known = [t for t in bag if t in idf]
        kind = question_kind(query.text) or (question_kind(query.context) if query.context else None)
        follow_up = query.context is not None
        return QuestionInfo(
            text=text,
            lang=lang,
            kind=kind,
            terms=bag,
            known=known,
            weight=sum(idf[t] for t in known),
            coverage=len(known) / len(bag) if bag else 0.0,
            keys={t[2:] for t in bag if t.startswith("m:")},
            follow_up=follow_up,
            space=space,
        )

    def _overlap(self, q: QuestionInfo, bag: set[str]) -> float:
        idf = self._spaces[q.space].idf
        return sum(idf[t] for t in q.known if t in bag) / q.weight if q.weight else 0.0

    def candidates(self, q: QuestionInfo, hits: list[Hit]) -> list[Candidate]:
        """Every non-heading sentence of ``hits`` (the hybrid top passages) with its features."""
        hits = hits[:CANDIDATE_PASSAGES]
        if not hits:
            return []
        cos_all = [c for h in hits for c in h.sentence_scores.values()]
        mean = float(np.mean(cos_all)) if cos_all else 0.0
        std = float(np.std(cos_all)) + 1e-6 if cos_all else 1.0
        top_cos = max(cos_all, default=0.0)
        fused = [h.score for h in hits]
        dense = [h.dense for h in hits]
        lex_max = max((h.lexical for h in hits), default=0.0) or 1.0
        lat_max = max((h.latent or 0.0 for h in hits), default=0.0) or 1.0
        xling = float(q.lang in CROSS_LINGUAL)
        viewed = float(q.space != ORIGINAL)
        space = self._spaces[q.space]
        out = []
        for rank, hit in enumerate(hits):
            ids = hit.passage.sentence_ids
            scores = hit.sentence_scores
            for pos, sid in enumerate(ids):
                sentence = self.sentences.get(sid)
                if sentence is None or sentence.heading:
                    continue
                bag = space.terms[sid]
                prev_id = ids[pos - 1] if pos > 0 else ""  # "": no neighbour, no terms, the mean cosine
                next_id = ids[pos + 1] if pos + 1 < len(ids) else ""
                window = bag | space.terms.get(prev_id, set()) | space.terms.get(next_id, set())
                cos = scores.get(sid, mean)
                number, date = self._facts[sid]
                new_names = bool(space.names.get(sid, set()) - q.terms)
                kind = q.kind
                dateline = kind == "date" and sid in self._datelines  # the article's date is the answer
                holds = {"number": number, "date": date or dateline, "person": new_names, "place": new_names}.get(
                    kind or ""
                )
                ov = self._overlap(q, bag)
                s_z = (cos - mean) / std
                lat = (hit.latent or 0.0) / lat_max
                f = {
                    "s_cos": cos,
                    "s_gap": top_cos - cos,
                    "s_z": s_z,
                    "s_z_x": s_z * xling,
                    "prev_z": (scores.get(prev_id, mean) - mean) / std,
                    "next_z": (scores.get(next_id, mean) - mean) / std,
                    "p_rank": math.log1p(rank),
                    "p_gap": fused[0] - fused[rank],
                    "p_dense_gap": max(dense) - dense[rank],
                    "p_lex": hit.lexical / lex_max,
                    "p_lat": lat,
                    "p_lat_x": lat * xling,
                    "ov": ov,
                    "ov_cov": ov * q.coverage,
                    "ov_x": ov * xling,
                    "ov_window": self._overlap(q, window),
                    "prev_ov": self._overlap(q, space.terms.get(prev_id, set())),
                    "next_ov": self._overlap(q, space.terms.get(next_id, set())),
                    "novelty": len(bag - q.terms) / len(bag) if bag else 0.0,
                    "n_match": math.log1p(sum(1 for t in q.known if t in bag)),
                    "kind_match": float(kind is not None and bool(holds)),
                    "kind_miss": float(kind is not None and not holds),
                    "count_match": float(kind == "number" and counts(self._keys[sid], q.keys)),
                    "quote": float(sentence.text[:1] in "-–—"),
                    "length": math.log(max(1, len(sentence.text.split()))),
                    "xling": xling,
                    "viewed": viewed,
                    "dateline": float(dateline),
                }
                out.append(Candidate(sentence, hit, f))
        return out

    def question_features(self, q: QuestionInfo, ranked: list[Candidate], hits: list[Hit]) -> dict:
        """Features of the question as a whole, given its candidates best first (the model's own are
        derived from these by :func:`answerability_features`)."""
        logits = np.array([c.logit for c in ranked]) if ranked else np.zeros(1)
        top = ranked[0] if ranked else None
        top_doc_terms = set()
        if top is not None:
            for sid in top.hit.passage.sentence_ids:
                top_doc_terms |= self._spaces[q.space].terms.get(sid, set())
        kinds = [c.features["kind_match"] for c in ranked[:3]]
        max_cos = max((c.features["s_cos"] for c in ranked), default=0.0)
        return {
            "top_logit": float(logits[0]),
            "margin": float(logits[0] - logits[1]) if len(logits) > 1 else 0.0,
            "max_cos": max_cos,
            # None when the retriever did not read latent terms (questions sharing most words with the corpus)
            "max_lat": max(latents)
            if (latents := [h.latent for h in hits[:CANDIDATE_PASSAGES] if h.latent is not None])
            else None,
            "latent_coverage": hits[0].latent_coverage if hits else None,
            "coverage": q.coverage,
            "unknown": math.log1p(len(q.terms) - len(q.known)),
            "top_missing": 1.0 - self._overlap(q, top_doc_terms) if q.weight else 1.0,
            "kind_nowhere": float(q.kind is not None and not any(kinds)),
            "top_kind_miss": top.features["kind_miss"] if top is not None else 0.0,
            "xling": float(q.lang in CROSS_LINGUAL),
            "viewed": float(q.space != ORIGINAL),
            "follow_up": float(q.follow_up),
        }


class _Space:
    """One language's terms of every sentence (the original's, or a view's), their idf and names."""

    def __init__(self, bags: dict[str, set[str]], named: dict[str, set[str]]):
        self.terms = bags
        self.names = named
        df: dict[str, int] = {}
        for bag in bags.values():
            for t in bag:
                df[t] = df.get(t, 0) + 1
        n = max(1, len(bags))
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}


def _names(text: str, lang: str) -> set[str]:
    return {t for w in names(text) for t in terms(w, lang)}
