"""Content terms for matching a question with a sentence, in the four reader languages.

A term is a word reduced to a key that its inflected forms share, in one space for all
scripts, so that "ekskavatorlar", "экскаваторлари" and Russian "экскаваторов" meet:

* Uzbek (Cyrillic, old or new Latin): the ZirhUzMorph analyzer's stem with its
  word-forming suffixes ("uchrashuv", "imzola"), inflection dropped, folded with
  ``alifbo.fold_search_key_loose``;
* Russian: the Snowball stem (PyStemmer), folded the same way, so Russian loanwords
  meet their Uzbek twins ("университета" -> "universitet");
* English: the Snowball stem.

Each word also gives its 6-letter prefix of the folded key (the BM25 token of
:func:`ingest.text.lexical_tokens`), which catches names the analyzers cut differently
("Сэнзакининг", "Senzaki"). Question words and function words of the four languages
(:mod:`ingest.lang`) are not terms. Nothing is loaded until the first call.
"""

from __future__ import annotations

import functools
import re
import threading

import alifbo

from ingest.lang import stopwords, words
from ingest.text import STEM_CHARS, match_key

# Suffixes that make a new word (kept in the key); inflection is dropped (ZirhUzMorph tags).
_WORD_FORMING = {
    "LA",
    "LIK",
    "CHI",
    "CHILIK",
    "SIZ",
    "LI",
    "DOSH",
    "ROQ",
    "DER",
    "IY",
    "PASS",
    "REFL",
    "RECP",
    "CAUS",
    "VN.ISH",
    "VN.UV",
    "AGENT",
    "GULIK",
    "GICH",
}
_VOICE = {"PASS", "REFL"}  # "imzolandi" and "imzoladi" are one term
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_RUSSIAN_ONLY = re.compile("[ыщэъё]")


@functools.cache
def _analyzer():
    try:
        from zirhuzmorph import Analyzer
    except ImportError as exc:  # a core dependency: only a broken install gets here
        raise ImportError("ZirhUzMorph is missing; reinstall savol: pip install -e .") from exc
    return Analyzer()


_local = threading.local()


def _stemmer(language: str):
    """A Snowball stemmer for this thread (PyStemmer's must not be shared between threads)."""
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        import Stemmer

        stemmers[language] = Stemmer.Stemmer(language)
    return stemmers[language]


def _folded(key: str) -> str:
    return alifbo.fold_search_key_loose(key).replace("ʼ", "").replace("'", "")


@functools.lru_cache(maxsize=65536)
def uzbek_key(word: str) -> str:
    """The Uzbek word's stem with its word-forming suffixes, folded ("имзоланди" -> "imzola")."""
    latin = (alifbo.from_cyrillic(word) if _CYRILLIC.search(word) else alifbo.to_new_latin(word)).text
    analysis = _analyzer().best(latin.lower().replace("ʼ", "'"))
    kept = []
    for morph, tag in analysis.morphs:
        if tag not in _WORD_FORMING:
            break
        kept.append((morph, tag))
    while kept and kept[-1][1] in _VOICE:
        kept.pop()
    if kept:
        lemma = analysis.stem + "".join(morph for morph, _tag in kept)
    else:
        lemma = analysis.lemma if analysis.known else (analysis.stem or latin)
    return _folded(lemma)


@functools.lru_cache(maxsize=65536)
def russian_key(word: str) -> str:
    return _folded(_stemmer("russian").stemWord(word.lower().replace("ё", "е")))


@functools.lru_cache(maxsize=65536)
def english_key(word: str) -> str:
    return _stemmer("english").stemWord(word.lower())


def _word_key(word: str, lang: str) -> str:
    if word.isdigit():
        return word
    if lang == "ru":
        return russian_key(word) if _CYRILLIC.search(word) else english_key(word)
    if lang == "en":
        return english_key(word)
    if _RUSSIAN_ONLY.search(word.lower()):  # a Russian word quoted in Uzbek text
        return russian_key(word)
    return uzbek_key(word)


def _keys(text: str, lang: str) -> list[str]:
    """Analyzer keys and prefix keys of every word, stopwords included."""
    out = []
    for word in words(match_key(text, fold=False).replace("ʼ", "'")):
        prefix = match_key(word).replace("'", "")[:STEM_CHARS]
        if len(prefix) < 2 and not word.isdigit():
            continue
        key = _word_key(word, lang)
        if len(key) >= 2 or key.isdigit():
            out.append("m:" + key)
        out.append("p:" + prefix)
    return out


@functools.cache
def _stopwords() -> frozenset[str]:
    # Every language's list is read by every analyzer: a question may mix them.
    text = " ".join(sorted(stopwords("uz") | stopwords("ru") | stopwords("en")))
    return frozenset(k for lang in ("uz-Cyrl", "ru", "en") for k in _keys(text, lang))


def terms(text: str, lang: str) -> list[str]:
    """Content terms of ``text`` written in ``lang`` (``uz-Cyrl``, ``uz-Latn``, ``ru`` or ``en``).

    >>> terms("Ekskavatorlar soni qancha?", "uz-Latn")
    ['m:ekskavator', 'p:ekskav', 'm:son', 'p:soni']
    """
    stop = _stopwords()
    return [k for k in _keys(text, lang) if k not in stop]
