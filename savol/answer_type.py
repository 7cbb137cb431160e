"""What kind of answer a question wants, and whether a sentence can hold one.

"How many ...?" needs a number and "When ...?" a date. When none of the best
sentences holds one, the article does not answer the question, however similar
those sentences are ("How much will Komatsu spend?" next to a paragraph about
Komatsu that names no sum). "What is the section about ... called?" wants the
heading above the best evidence; headings are never an answer otherwise.
"How many excavators ...?" also names what is counted: the sentence whose number
counts excavators answers it, not a nearby one counting countries.
"""

from __future__ import annotations

import re

import alifbo

_NUMBER_Q = re.compile(
    r"\b(нечта|неча|нечанчи|қанча|қанчага|nechta|necha|qancha|neçta|neça|qança|сколько|скольки|"
    r"на какую сумму|какова сумма|какую сумму|how many|how much|what percentage|what share|what amount)\b",
    re.IGNORECASE,
)
_WHEN_Q = re.compile(
    r"\b(қачон|қачондан|qachon|qachondan|qaçon|qaçondan|когда|с какого|в каком году|when|what year|"
    r"what date|on what date|қайси йил|qaysi yil)\b",
    re.IGNORECASE,
)
_HEADING_Q = re.compile(
    r"сарлавҳа|sarlavha|заголов|\bheading|\btitle of\b.*\bsection|\bsection\b.*\b(called|titled|named)\b|"
    r"раздел\w*\b.*\bназыва|называ\w*\b.*\bраздел|"
    r"(бўлим|bo'lim|bölim)\w*\b.*\b(номлан|nomlan|аталад|atalad)",
    re.IGNORECASE,
)
# On folded keys (alifbo.fold_search_key): digits and Uzbek number words.
_NUMBER = re.compile(
    r"\d|\b(bir|ikki|uç|tört|beş|olti|yetti|sakkiz|töqqiz|ön|yigirma|öttiz|qirq|ellik|yuz|ming|"
    r"million|milliard)(ta|nçi|inçi|kunlik|yillik|lab)?\b"
)
# The word after an Uzbek "how many" is the counted noun ("nechta ekskavatori").
_COUNT_ASK = re.compile(r"\b(neçta|neça|qança|qançaga|neçançi)\s+(\w+)")
_COUNT = re.compile(
    r"^(\d+|bir|ikki|uç|tört|beş|olti|yetti|sakkiz|töqqiz|ön|yigirma|öttiz|qirq|ellik|yuz|ming|million|"
    r"milliard)(ta|dan|ga|da|lab|nçi|inçi)?$"
)
COUNT_WINDOW = 3  # the counted noun follows its number within this many words ("200 dan ortiq ekskavator")
STEM = 6  # compare words on their first letters: Uzbek adds suffixes ("ekskavatori", "ekskavatorlar")
MIN_NOUN = 3  # "iş" (work) would match "işlab" (making): shorter counted words are not used
_DATE = re.compile(
    r"\b(1[89]|20)\d\d\b|\b(yanvar|fevral|mart|aprel|may|iyun|iyul|avgust|sentyabr|oktyabr|noyabr|"
    r"dekabr|kelgusi yil|ötgan yil|bugun|ertaga)"
)


def answer_type(question: str) -> str | None:
    """``"heading"``, ``"number"``, ``"date"`` or None (any sentence may answer)."""
    if _HEADING_Q.search(question.replace("’", "'").replace("ʻ", "'")):
        return "heading"
    if _NUMBER_Q.search(question):
        return "number"
    if _WHEN_Q.search(question):
        return "date"
    return None


def can_answer(kind: str | None, sentence: str) -> bool:
    """True when ``sentence`` holds the kind of value the question asks for (headings: any)."""
    if kind in (None, "heading"):
        return True
    key = alifbo.fold_search_key(sentence)
    return bool((_NUMBER if kind == "number" else _DATE).search(key))


def counted_noun(question: str) -> str | None:
    """The stem of the word an Uzbek "how many" question counts ("nechta ekskavatori" -> "ekskav").

    Russian and English questions have none: their words never match the Uzbek article's.
    """
    found = _COUNT_ASK.search(alifbo.fold_search_key(question))
    if not found or len(found.group(2)) < MIN_NOUN:
        return None
    return found.group(2)[:STEM]


def counts(sentence: str, noun: str) -> bool:
    """True when a number in ``sentence`` is followed, within a few words, by ``noun`` (a stem).

    "Bir neçta" (a few) is no number.
    """
    words = re.findall(r"\w+", alifbo.fold_search_key(sentence))
    return any(
        _COUNT.match(word) and not (word == "bir" and words[i + 1: i + 2] in (["neça"], ["neçta"]))
        and any(w.startswith(noun) for w in words[i + 1: i + 1 + COUNT_WINDOW])
        for i, word in enumerate(words)
    )
