"""What kind of answer a question asks for, and what kinds of facts a sentence holds.

These are signals for the learned reranker (:mod:`retriever.rerank`), not rules: "who"
asks for a person, "where" or "which city" for a place, "how many" or "how much" for a
number (and names what is counted), "when" for a date, in Uzbek (either script), Russian
and English. A sentence holds numbers, dates and names (capitalised words inside the
sentence, Latin-script words in Cyrillic text). Nothing here knows the article.
"""

from __future__ import annotations

import re

import alifbo

from ingest.lang import WORD, en, ru, uz

KINDS = ("person", "place", "number", "date")

# Uzbek patterns run on alifbo.fold_search_key (one Latin key for every script and spelling);
# Russian and English ones on the lower-cased question. The words are ingest.lang's.
_UZ = uz.KINDS
_OTHER = {kind: rf"\b({ru.KINDS[kind]}|{en.KINDS[kind]})\b" for kind in KINDS}
_ORDER = ("number", "date", "person", "place")  # "how many people" asks for a number, not a person

_NUMBER = re.compile(uz.NUMBER)
_DATE = re.compile(uz.DATE)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")
COUNT_WINDOW = 3  # a counted word follows its number within this many words ("200 dan ortiq ekskavator")


def question_kind(question: str) -> str | None:
    """``person``, ``place``, ``number``, ``date`` or None (any kind of answer)."""
    key = alifbo.fold_search_key(question.replace("’", "'").replace("ʻ", "'"))
    low = question.lower()
    for kind in _ORDER:
        if re.search(_UZ[kind], key) or re.search(_OTHER[kind], low):
            return kind
    return None


def has_number(sentence: str) -> bool:
    return bool(_NUMBER.search(alifbo.fold_search_key(sentence)))


def has_date(sentence: str) -> bool:
    return bool(_DATE.search(alifbo.fold_search_key(sentence)))


def names(sentence: str) -> list[str]:
    """Words that name someone or something: capitalised inside the sentence, or Latin-script
    words in Cyrillic text ("Komatsu"). The first word is left out (every sentence starts
    with a capital), unless it is in another script than the sentence."""
    found_words = _name_words(sentence)
    cyrillic_text = bool(_CYRILLIC.search(sentence))
    found = []
    for i, word in enumerate(found_words):
        foreign = cyrillic_text and _LATIN.match(word)
        if foreign or (i > 0 and word[0].isupper()):
            found.append(word)
    return found


def _name_words(sentence: str) -> list[str]:
    """The sentence's words (:data:`ingest.lang.WORD`), a hyphenated name kept whole ("Қасим-Жомарт");
    words that start with a digit are not names."""
    joined: list[str] = []
    end = -1
    for match in WORD.finditer(sentence):
        if joined and sentence[end : match.start()] == "-":
            joined[-1] += "-" + match.group(0)
        else:
            joined.append(match.group(0))
        end = match.end()
    return [w for w in joined if not w[0].isdigit()]


def counts(sentence_keys: list[str], counted: set[str]) -> bool:
    """True when a number among ``sentence_keys`` (folded words) is followed within a few words
    by one of ``counted`` (a question's terms): "200 dan ortiq ekskavator" counts excavators."""
    for i, word in enumerate(sentence_keys):
        is_number = _NUMBER.fullmatch(word) or word[:1].isdigit()
        if is_number and any(w in counted for w in sentence_keys[i + 1 : i + 1 + COUNT_WINDOW]):
            return True
    return False
