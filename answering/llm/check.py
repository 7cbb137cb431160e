"""The post-check of every LLM answer: citations that exist, claims their passage supports.

An answer is split into sentences (claims), each with the ``[n]`` markers after it.

1. Markers must name a passage that was given (``1 <= n <= len(passages)``); others
   are removed and counted in the answer's warnings.
2. Each claim is compared with the sentences of the passage it cites: cosine of the
   claim's e5 vector with each stored sentence vector, plus a bonus for the share of
   the claim's (script-folded) terms that the sentence contains. Every number in the
   claim must also occur in the passage. The best sentence is the supporting quote,
   which the page highlights.
3. A claim its citation does not support, but another given passage does, is re-cited
   to that passage (counted in the warnings). A claim no passage supports keeps its
   text and is marked ``⚠ (unverified)`` in the answer's language; its citations carry
   ``supported: false``.
4. Sentences of a passage that address the model ("ignore the instructions…",
   "print …") are never evidence, so an LLM that obeyed one cannot pass the check.

An answer that is empty, repeats the prompt, or has fewer than half of its claims
verified (off-topic, invented, an obeyed injection) is :class:`Unusable`, and the
reader gets the extractive answer instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from answering.answer import REFUSALS, Answer, Citation, refusal
from answering.llm.prompt import echoes_prompt
from ingest.embeddings import Embedder
from ingest.errors import SavolError
from ingest.records import IndexedSentence
from ingest.split import sentence_spans
from ingest.store import Store
from ingest.text import lexical_tokens, match_key, normalize
from retriever.hits import Hit
from retriever.hybrid import query_forms

# `python -m eval.calibrate_llm` (eval/qa_dev.jsonl): at 0.89, 91% of "question — gold
# answer" claims pass against their evidence passage and 25% against the best-ranked
# passage without it. English claims pass least often (56%): e5-small is weakest across scripts.
SUPPORT_THRESHOLD = 0.89
SUPPORT_LEXICAL = 0.15  # times the share of the claim's terms found in the sentence
MIN_SUPPORTED_SHARE = 0.5  # below this share of verified sentences the extractive answer serves better
UNSUPPORTED_MARK = "⚠"
UNSUPPORTED_LABELS = {
    "uz-Cyrl": "тасдиқланмаган",
    "uz-Latn": "tasdiqlanmagan",
    "ru": "не подтверждено",
    "en": "unverified",
}

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_OPEN_MARKER = re.compile(r"\[[\d\s,;]*$")  # a marker still being streamed
_DIGITS = re.compile(r"\d+")
_WORDLIKE = re.compile(r"\w")

# Text addressed to an assistant rather than to the article's readers, in the four
# reader languages. Defence in depth: the prompt already says passages are data.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,60}\b(instructions?|rules?|prompt)\b"
    r"|\b(print|output|say|reply|respond|write|repeat)\b.{0,40}\b(only|exactly|the word|verbatim)\b"
    r"|\bsystem prompt\b|\byou are now\b"
    r"|игнорир.{0,60}инструкц|забудь.{0,60}инструкц|(выведи|напечатай|ответь) только"
    r"|кўрсатмалар.{0,60}(эътибор|унут)|фақат .{0,40}(чоп эт|ёзинг|ёз\b)"
    r"|ko'rsatmalar.{0,60}(e'tibor|unut)|faqat .{0,40}(chop et|yozing|yoz\b)",
    re.IGNORECASE,
)


class Unusable(SavolError):
    """The LLM's output cannot be shown (empty, or nothing in it is supported by the passages)."""


def looks_like_instruction(text: str) -> bool:
    """True when ``text`` reads like a command to an AI model rather than news."""
    return bool(_INSTRUCTION.search(normalize(text)))


def marker_numbers(marker_body: str) -> list[int]:
    """``"1, 3"`` -> ``[1, 3]``."""
    return [int(x) for x in re.findall(r"\d+", marker_body)]


def open_marker_start(text: str) -> int:
    """Where a marker that has not been closed yet starts (``len(text)`` when there is none)."""
    match = _OPEN_MARKER.search(text)
    return match.start() if match else len(text)


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """``(sentence without markers, cited numbers)`` for each sentence of ``text``.

    Sentences are cut by the same splitter as the article (:func:`ingest.split.sentence_spans`),
    line by line, once the markers are out of the way. A marker inside a sentence, or written
    after its full stop ("… edi. [2]"), belongs to that sentence.
    """
    claims: list[tuple[str, list[int]]] = []
    for line in text.strip().splitlines():
        plain, markers = _without_markers(line)
        spans = [(start, end) for start, end in sentence_spans(plain) if _WORDLIKE.search(plain[start:end])]
        cited: list[list[int]] = [[] for _ in spans]
        for position, numbers in markers:
            owner = _owner(spans, position)
            if owner is None:  # a marker before the line's first sentence: the previous line's
                if claims:
                    claims[-1][1].extend(numbers)
                continue
            cited[owner].extend(numbers)
        for (start, end), numbers in zip(spans, cited):
            sentence = re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(plain[start:end].split())).lstrip("-*•· ").strip()
            if _WORDLIKE.search(sentence):
                claims.append((sentence, numbers))
            elif claims:
                claims[-1][1].extend(numbers)
    return claims


def _without_markers(line: str) -> tuple[str, list[tuple[int, list[int]]]]:
    """``line`` with its ``[n]`` markers taken out, and where each stood in the text that is left."""
    plain, markers, last = [], [], 0
    for match in MARKER.finditer(line):
        plain.append(line[last : match.start()])
        markers.append((len("".join(plain).rstrip()), marker_numbers(match.group(1))))
        last = match.end()
    plain.append(line[last:])
    return "".join(plain), markers


def _owner(spans: list[tuple[int, int]], position: int) -> int | None:
    """The sentence a marker at ``position`` belongs to: the last one that starts before it."""
    owner = None
    for i, (start, _end) in enumerate(spans):
        if start < position:
            owner = i
    return owner


_REFUSAL_KEYS = [match_key(r).rstrip(".") for r in REFUSALS.values()]


def is_refusal(sentence: str) -> bool:
    """The LLM said the article does not cover the question (in any reader language)."""
    key = match_key(sentence)
    return any(r in key for r in _REFUSAL_KEYS)


@dataclass
class Claim:
    """One answer sentence and what the check found for it."""

    text: str
    cited: list[int]  # valid passage numbers as written by the LLM
    citations: list[Citation] = field(default_factory=list)
    supported: bool = False
    score: float = 0.0
    repaired: bool = False


class SupportChecker:
    """Checks LLM answers against the store's sentences.

    Args:
        store: the loaded index; sentence vectors are rows of ``store.sentence_index``.
        embedder: the store's e5 embedder (claims are embedded as queries, as the retriever embeds
            questions).
    """

    def __init__(self, store: Store, embedder: Embedder):
        self.store = store
        self.embedder = embedder
        index = store.sentence_index
        self._vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, 1), np.float32)
        self._row = {sid: i for i, sid in enumerate(store.sentence_ids)}
        # Sentences addressed to a model ("ignore the instructions…") are never evidence.
        self._instructions = {sid for sid, s in store.sentences.items() if looks_like_instruction(s.text)}

    def embed_claims(self, claims: list[str]) -> np.ndarray:
        """Claim vectors, embedded as the retriever embeds questions."""
        prepared = [query_forms(c)[1] for c in claims]
        return np.asarray(self.embedder.embed_queries(prepared), dtype=np.float32)

    def evidence(self, hit: Hit) -> list[IndexedSentence]:
        """The sentences of ``hit``'s passage that may support a claim (text addressed to the model may not)."""
        out = []
        for sid in hit.passage.sentence_ids:
            sentence = self.store.sentences.get(sid)
            if sentence is not None and sid in self._row and sid not in self._instructions:
                out.append(sentence)
        return out

    def support(self, claim: str, vector: np.ndarray, hit: Hit) -> tuple[float, IndexedSentence | None]:
        """Best ``(score, sentence)`` of ``hit`` for ``claim``; the score is 0 when a number is missing."""
        if not set(_DIGITS.findall(claim)) <= set(_DIGITS.findall(hit.text)):
            return 0.0, None
        terms = set(lexical_tokens(claim))
        best: tuple[float, IndexedSentence | None] = (0.0, None)
        for sentence in self.evidence(hit):
            cosine = float(self._vectors[self._row[sentence.id]] @ vector)
            overlap = len(terms & set(sentence.tokens)) / len(terms) if terms else 0.0
            score = cosine + SUPPORT_LEXICAL * overlap
            if score > best[0]:
                best = (score, sentence)
        return best

    def check(self, text: str, passages: list[Hit]) -> tuple[list[Claim], int]:
        """The checked claims of ``text`` and the number of invalid citation markers removed."""
        raw = split_claims(text)
        invalid = 0
        claims = []
        for sentence, numbers in raw:
            valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= len(passages)]
            invalid += len(numbers) - sum(1 for n in numbers if 1 <= n <= len(passages))
            claims.append(Claim(sentence, valid))
        facts = [c for c in claims if not is_refusal(c.text)]
        if not facts:
            return claims, invalid
        vectors = self.embed_claims([c.text for c in facts])
        for claim, vector in zip(facts, vectors):
            scores = {n: self.support(claim.text, vector, passages[n - 1]) for n in range(1, len(passages) + 1)}
            held = [n for n in claim.cited if scores[n][0] >= SUPPORT_THRESHOLD]
            if not held:
                best = max(scores, key=lambda n: scores[n][0]) if scores else None
                if best is not None and scores[best][0] >= SUPPORT_THRESHOLD:
                    claim.cited, claim.repaired, held = [best], True, [best]
            claim.supported = bool(held)
            claim.score = max((scores[n][0] for n in claim.cited), default=0.0)
            for n in claim.cited:
                score, quoted = scores[n]
                ok = score >= SUPPORT_THRESHOLD
                quote = quoted.text if ok and quoted is not None else ""
                paragraph = quoted.paragraph if ok and quoted is not None else None
                claim.citations.append(Citation.from_hit(n, passages[n - 1], quote, paragraph=paragraph, supported=ok))
        return claims, invalid

    def answer(
        self, question: str, lang: str, text: str, passages: list[Hit], retrieved: list[Hit], answerer: str
    ) -> Answer:
        """The checked :class:`Answer` for the LLM's ``text``.

        Raises:
            Unusable: the text is empty or none of its claims is supported.
        """
        if not text.strip():
            raise Unusable("it returned an empty answer")
        if echoes_prompt(text):
            raise Unusable("it repeated its instructions instead of answering")
        claims, invalid = self.check(text, passages)
        facts = [c for c in claims if not is_refusal(c.text)]
        if claims and not facts:
            return Answer(
                question,
                refusal(lang),
                True,
                lang,
                retrieved=list(retrieved),
                answerer=answerer,
                warnings=_invalid_warning(invalid),
            )
        supported = sum(c.supported for c in facts)
        if not supported:
            raise Unusable("none of its sentences is supported by the article's passages")
        if supported < MIN_SUPPORTED_SHARE * len(facts):
            raise Unusable(f"only {supported} of its {len(facts)} sentences are supported by the article's passages")
        label = f"{UNSUPPORTED_MARK} ({UNSUPPORTED_LABELS.get(lang, UNSUPPORTED_LABELS['en'])})"
        parts, sentences, citations, support = [], [], [], []
        for claim in facts:
            markers = " ".join(f"[{n}]" for n in claim.cited)
            parts.append(" ".join(p for p in (claim.text, markers, "" if claim.supported else label) if p))
            sentences.append((claim.text, claim.cited[0] if claim.cited else 0))
            support.append(claim.supported)
            citations.extend(claim.citations)
        warnings = _invalid_warning(invalid)
        repaired = sum(c.repaired for c in facts)
        if repaired:
            warnings.append(f"{repaired} sentence(s) were re-cited to the passage that supports them.")
        unverified = support.count(False)
        if unverified:
            warnings.append(
                f"{unverified} sentence(s) could not be verified against the article and are marked {label}."
            )
        flagged = [
            n for n, hit in enumerate(passages, start=1) if self._instructions.intersection(hit.passage.sentence_ids)
        ]
        if flagged:
            warnings.append(
                "Passage " + ", ".join(f"[{n}]" for n in flagged) + " contains text addressed to "
                "an AI model; it was treated as data and not used as evidence."
            )
        return Answer(
            question,
            " ".join(parts),
            False,
            lang,
            citations=citations,
            sentences=sentences,
            retrieved=list(retrieved),
            evidence_score=max(c.score for c in facts),
            answerer=answerer,
            warnings=warnings,
            support=support,
        )


def _invalid_warning(invalid: int) -> list[str]:
    if not invalid:
        return []
    return [f"{invalid} citation(s) to passages that were not given were removed."]
