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

KINDS = ("person", "place", "number", "date")

# Uzbek patterns run on alifbo.fold_search_key (one Latin key for every script and spelling);
# Russian and English ones on the lower-cased question.
_UZ = {
    "number": r"\b(neçta|neça|qança|qançadan|qançaga|neçançi|neçtasi|foizi?)\b",
    "date": r"\b(qaçon|qaçondan|qaçongaça|qaysi (yil|yili|yilda|kun|kuni|oy|oyda|sana|sanada))\b",
    "person": r"\b(kim|kimni|kimga|kimning|kimlar|kimlarni|kimlarga|kimdan|kimlardan|kim bilan)\b",
    "place": r"\b(qayer|qayerda|qayerga|qayerdan|qayerdagi|qaysi (şahar|davlat|mamlakat|joy|hudud|viloyat)\w*)\b",
}
_OTHER = {
    "number": r"\b(сколько|скольких|на какую сумму|какую сумму|какой объ[её]м|какой процент|какую долю|какая доля|"
              r"how many|how much|what percentage|what share|what proportion|what amount|what number)\b",
    "date": r"\b(когда|в каком году|какого числа|с какого времени|в какой день|when|what year|what date|"
            r"which year|which day|since when)\b",
    "person": r"\b(кто|кого|кому|кем|ком|чей|чья|чьё|чьи|who|whom|whose)\b",
    "place": r"\b(где|куда|откуда|в каком городе|в какой стране|какой город|какая страна|where|which city|"
             r"what city|which country|what country|which place|in which region)\b",
}
_ORDER = ("number", "date", "person", "place")  # "how many people" asks for a number, not a person

_NUMBER = re.compile(
    r"\d|\b(bir(?! neç)|ikki|uç|tört|beş|olti|yetti|sakkiz|töqqiz|ön|yigirma|öttiz|qirq|ellik|oltmiş|yetmiş|sakson|"
    r"töqson|yuz|ming|million|milliard|trillion|yarim|birinçi|ikkinçi|uçinçi|ikkita|uçta|törtta|beşta)"
    r"(ta|tasi|nçi|inçi|dan|ga|da|lab|ala)?\b"
)
_MONTHS = "yanvar|fevral|mart|aprel|may|iyun|iyul|avgust|sentyabr|oktyabr|noyabr|dekabr"
_MONTH_ENDINGS = "da|ga|dan|gaça|ning|i|ida|idan|iga|ining|oyi|oyida|oyidan"  # not "marta" (times), "maydon" (square)
_DATE = re.compile(
    rf"\b(1[5-9]|20)\d\d\b|\b({_MONTHS})({_MONTH_ENDINGS})?\b|\b(kelgusi|ötgan|bu|keyingi|öşa) (yil|oy|hafta)|"
    r"\b(bugun|keça|ertaga|indin)\b|\b\w+ (yil|kun|oy|hafta|asr)\w* (oldin|avval|söng|keyin|mobaynida)\b|"
    r"\b[xvi]+ asr|\b\d+-yil"
)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*")
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
    words = _NAME_WORD.findall(sentence)
    cyrillic_text = bool(_CYRILLIC.search(sentence))
    found = []
    for i, word in enumerate(words):
        foreign = cyrillic_text and _LATIN.match(word)
        if foreign or (i > 0 and word[0].isupper()):
            found.append(word)
    return found


def counts(sentence_keys: list[str], counted: set[str]) -> bool:
    """True when a number among ``sentence_keys`` (folded words) is followed within a few words
    by one of ``counted`` (a question's terms): "200 dan ortiq ekskavator" counts excavators."""
    for i, word in enumerate(sentence_keys):
        if _NUMBER.fullmatch(word) or word[:1].isdigit():
            if any(w in counted for w in sentence_keys[i + 1: i + 1 + COUNT_WINDOW]):
                return True
    return False
