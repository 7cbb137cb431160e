"""The English -> Uzbek fallback: uz-en-dictionary's data read directly, both sides, glossing questions."""

from __future__ import annotations

import pytest

import ingest.dictionary as dictionary
from ingest.dictionary import DictionaryUnavailable, english_to_uzbek, gloss_question
from ingest.text import lexical_tokens


def test_both_sides_of_the_package_data_are_read():
    """All ~12.6k English headwords (the repeated keys and the Windows-1252 files too), and the Uzbek side."""
    data = dictionary._dictionary()
    assert len(data.forward) > 12_000
    assert len(data.backward) > 10_000
    # "sign" is in en-uz twice (noun, verb): json.load would keep only the verb.
    assert ["ishora", "belgi", "ramz"] in data.forward["sign"]
    # c.json is Windows-1252: its entries are there.
    assert data.forward["cooperation"] == [["hamkorlik"]]


def test_glosses_are_uzbek_latin_words_without_labels():
    """Part-of-speech marks, numbering, grammar notes and idioms are not glosses."""
    for word in ("meet", "company", "plant", "capital", "country", "back"):
        for gloss in english_to_uzbek(word):
            assert not set(gloss) & set("()[]~0123456789"), (word, gloss)
            assert gloss.split()[0] not in {"n", "vt", "vi", "adj", "adv", "the", "pt", "pp"}, (word, gloss)


def test_the_reversed_side_picks_the_sense():
    """en-uz lists "company" as companionship first; uz-en's "kompaniya" = company puts it first."""
    assert english_to_uzbek("company")[0] == "kompaniya"
    assert "vazir" in english_to_uzbek("minister")


def test_inflected_and_irregular_forms_find_their_headword():
    """Questions say "companies", "invested", "signed" and "met"; the dictionary lists the base form."""
    assert english_to_uzbek("companies") == english_to_uzbek("company")
    assert english_to_uzbek("invested") == english_to_uzbek("invest")
    assert "uchrashmoq" in english_to_uzbek("met")  # from the entry's own "(pt, met, pp met)"
    assert english_to_uzbek("signed")[0] == "imzolamoq"  # a past tense: the verb before the noun "sign"
    assert english_to_uzbek("Tokayev") == ()


def test_glosses_meet_the_cyrillic_article_through_the_folded_tokens():
    """The glosses are Latin, the article Cyrillic: BM25's folded tokens must meet."""
    article = set(lexical_tokens("Япония Бош вазири билан учрашувда инвестиция ва ҳамкорлик шартнома имзоланди"))
    gloss = set(lexical_tokens(gloss_question("Who signed the cooperation agreement with the minister?")))
    assert {"imzola", "hamkor", "şartno"} <= gloss & article
    # A stem shorter than BM25's 6-letter prefix meets only its bare form: "vazir" is not "vaziri".
    assert "vazir" in gloss and "vazir" not in article


def test_gloss_question_skips_question_and_function_words():
    """Only content words are glossed; a question of function words alone gives nothing."""
    gloss = gloss_question("What did the minister say about the university?")
    assert "vazir" in gloss.split() and "universitet" in gloss.split()
    assert gloss_question("What is it about?") == ""


def test_a_missing_package_is_an_install_hint(monkeypatch):
    """Without uz-en-dictionary the fallback says how to get it, instead of a traceback."""
    monkeypatch.setattr(dictionary.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(dictionary, "_data", None)
    english_to_uzbek.cache_clear()
    try:
        with pytest.raises(DictionaryUnavailable, match="pip install uz-en-dictionary"):
            english_to_uzbek("minister")
    finally:
        english_to_uzbek.cache_clear()


def test_two_word_senses_are_read_backwards():
    """uz-en's "premerministr" = "prime minister": a phrase can be looked up whole."""
    assert "premerministr" in english_to_uzbek("prime minister")
