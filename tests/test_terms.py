"""Content terms: one key for a word's inflected forms, in every script and reader language."""

from ingest.terms import english_key, russian_key, terms, uzbek_key


def _m(text, lang):
    return {t for t in terms(text, lang) if t.startswith("m:")}


def test_uzbek_inflections_share_a_key_in_every_script_and_spelling():
    """ "ekskavatorlar", "экскаваторлари" and the new-Latin "şartnomalar" meet their article forms."""
    assert uzbek_key("экскаваторлари") == uzbek_key("ekskavatorlar") == uzbek_key("экскаватор")
    assert uzbek_key("Қозоғистоннинг") == uzbek_key("Qozog'istonda") == uzbek_key("Qozoğistonga")
    assert uzbek_key("шартномалари") == uzbek_key("şartnomalar") == uzbek_key("shartnoma")
    assert uzbek_key("имзоланди") == uzbek_key("imzoladi")  # the passive voice is one term with the active


def test_word_forming_suffixes_make_a_different_term():
    """ "uchrashuv" (a meeting) is its own term, not "uchra"; inflection alone is dropped."""
    assert uzbek_key("учрашувда") == uzbek_key("uchrashuv")
    assert uzbek_key("universitetlarining") == uzbek_key("университет")


def test_russian_loanwords_meet_their_uzbek_twins():
    """A Russian question shares loanwords with an Uzbek article ("университета" ~ "университети")."""
    assert russian_key("университета") == uzbek_key("университети")
    assert russian_key("экскаваторов") == uzbek_key("экскаватор")
    assert english_key("excavators") == english_key("excavator")


def test_question_words_and_function_words_are_not_terms():
    """ "Who", "how many", "and" would match any sentence that happens to use them."""
    assert terms("Ким? Нечта? Ва қачон?", "uz-Cyrl") == []
    assert terms("Кто и когда?", "ru") == []
    assert terms("Who and when?", "en") == []
    assert "m:kompaniya" in _m("Qaysi kompaniya?", "uz-Latn")


def test_names_match_across_scripts_through_the_prefix_key():
    """A name the analyzers cut differently still meets: "Senzaki" (English) and "Сэнзакининг"."""
    english = set(terms("What did Senzaki say?", "en"))
    uzbek = set(terms("Сэнзакининг айтишича", "uz-Cyrl"))
    assert english & uzbek == {"p:senzak"}
