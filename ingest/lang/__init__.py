"""The reader languages: the one tokenizer, language detection, and each language's words.

Each language's words have one home, a module of this package (:mod:`~ingest.lang.uz`,
:mod:`~ingest.lang.ru`, :mod:`~ingest.lang.en`): its question words, function words,
the pronouns that refer back to an earlier turn, and what kind of answer a question asks
for. Uzbek is one language in two scripts: its words are written once, in Cyrillic, and
matched in any script through alifbo's folded key. Every floor reads them from here.
"""

from __future__ import annotations

import functools
import re

import alifbo

from ingest.lang import en, ru, uz

__all__ = ["LANGS", "MODULES", "detect_language", "referring_words", "stopwords", "words"]

LANGS = ("uz-Cyrl", "uz-Latn", "ru", "en")
MODULES = {"uz": uz, "ru": ru, "en": en}

# A word: letters and digits, with apostrophes inside ("Qozog'iston", "o‘zbek"). Hyphens and
# other punctuation separate words ("Қасим-Жомарт" is two).
WORD = re.compile(r"[^\W_]+(?:['‘’ʻʼ`][^\W_]+)*")


def words(text: str, letters: bool = False) -> list[str]:
    """The words of ``text`` in order; with ``letters``, only those holding a letter (no bare numbers)."""
    found = WORD.findall(text)
    return [w for w in found if not w.isdigit()] if letters else found


def fold(word: str) -> str:
    """The key one word has in every script and spelling ("Bo‘ldi", "бўлди" -> ``böldi``)."""
    return alifbo.fold_search_key(word.lower())


@functools.cache
def stopwords(code: str) -> frozenset[str]:
    """Question and function words of a language (``uz``, ``ru``, ``en``), as written in its module."""
    module = MODULES[code]
    return module.QUESTION_WORDS | module.FUNCTION_WORDS


@functools.cache
def referring_words() -> frozenset[str]:
    """Words that point back to an earlier turn, in every language, lower-cased; Uzbek ones in
    Cyrillic and in both Latin spellings."""
    latin = {form for w in uz.REFERRING for form in _uzbek_latin_forms(w)}
    return uz.REFERRING | latin | ru.REFERRING | en.REFERRING


def _uzbek_latin_forms(word: str) -> set[str]:
    old = alifbo.to_old_latin(alifbo.from_cyrillic(word).text).text.lower().replace("ʻ", "'")
    new = alifbo.to_new_latin(old).text.lower()
    return {old, new}


@functools.cache
def _uz_latin_keys() -> frozenset[str]:
    return frozenset(fold(w) for w in uz.DETECTION_WORDS)


@functools.cache
def _en_keys() -> frozenset[str]:
    return frozenset(fold(w) for w in en.DETECTION_WORDS)


_UZ_CYRL_LETTERS = set("ўқғҳЎҚҒҲ")
_RU_LETTERS = set(ru.LETTERS)
# o' inside a word ("bo'ldi") and g' ("bog'"), not an English possessive ("Tokyo's governor").
_UZ_LATN_MARKS = re.compile(r"[oO]['‘’ʻʼ`](?!s\b)(?=\w)|[gG]['‘’ʻʼ`](?!s\b)|[şçğöŞÇĞÖ]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def detect_language(text: str) -> str:
    """Best guess among ``uz-Cyrl``, ``uz-Latn``, ``ru`` and ``en``; Uzbek Cyrillic when unsure."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "uz-Cyrl"
    if any(c in _UZ_CYRL_LETTERS for c in text):
        return "uz-Cyrl"
    found = {w.lower() for w in words(text, letters=True)}
    keys = {fold(w) for w in found if not _CYRILLIC.search(w)}  # the Latin words' keys
    cyrillic = sum(1 for c in letters if _CYRILLIC.match(c))
    # Latin names in a Cyrillic question ("кто возглавляет Hitachi Construction Machinery") leave
    # its language to its Cyrillic words, when they say something and the Latin ones do not.
    latin_says = keys & (_uz_latin_keys() | _en_keys())
    if cyrillic >= len(letters) / 2 or (not latin_says and _cyrillic_says(found)):
        if any(c in _RU_LETTERS for c in text):
            return "ru"
        rest = found - ru.DETECTION_WORDS - uz.DETECTION_WORDS
        score_uz = 2 * len(found & uz.DETECTION_WORDS) + sum(
            1 for w in rest if re.search(uz.DETECTION_SUFFIXES_CYRILLIC, w)
        )
        score_ru = 2 * len(found & ru.DETECTION_WORDS) + sum(1 for w in rest if re.search(ru.DETECTION_SUFFIXES, w))
        return "ru" if score_ru > score_uz else "uz-Cyrl"
    if _UZ_LATN_MARKS.search(text):
        return "uz-Latn"
    score_uz, score_en = len(keys & _uz_latin_keys()), len(keys & _en_keys())
    if score_uz != score_en:
        return "uz-Latn" if score_uz > score_en else "en"
    suffixed = sum(1 for w in found if re.search(uz.DETECTION_SUFFIXES_LATIN, w))
    return "uz-Latn" if suffixed > len(found) / 3 else "en"


def _cyrillic_says(found: set[str]) -> bool:
    """Some Cyrillic word is a Russian or Uzbek question or function word, or has their endings."""
    for w in found:
        if _CYRILLIC.search(w) and (
            w in ru.DETECTION_WORDS
            or w in uz.DETECTION_WORDS
            or any(c in _RU_LETTERS for c in w)
            or re.search(ru.DETECTION_SUFFIXES, w)
            or re.search(uz.DETECTION_SUFFIXES_CYRILLIC, w)
        ):
            return True
    return False
