"""Normalisation: what the machine matches must not depend on script, spelling or hidden characters."""

from ingest.text import (
    embedding_text,
    fold_confusables,
    lexical_tokens,
    match_key,
    normalize,
    strip_invisible,
    uzbek_latin,
)


def test_mixed_script_words_fold_to_their_script():
    """The article writes "ASTANА" and "Кazinform" with a Cyrillic letter inside a Latin word."""
    assert normalize("ASTANА") == "ASTANA"
    assert normalize("Кazinform") == "Kazinform"
    assert normalize("IТ") == "IT"
    assert all("\u0400" <= c <= "\u04ff" for c in normalize("Каwагучи") if c != "w")


def test_confusable_folding_keeps_length():
    """Offsets computed on normalised text must point at the same characters of the original."""
    text = "ASTANА. Кazinform – Каwагучи, IТ, XX ва ХХ аср"
    assert len(fold_confusables(text)) == len(text)
    assert len(normalize(text)) == len(text)


def test_latin_and_cyrillic_xx_share_a_key():
    """The article writes the 20th century as Latin "XX" and as Cyrillic "ХХ"."""
    assert match_key("XX аср") == match_key("ХХ аср")


def test_three_spellings_of_kazakhstan_are_one_word():
    """Readers type Qozog'iston, Qozoğiston or Қозоғистон: BM25 must see one term."""
    keys = {tuple(lexical_tokens(w)) for w in ("Qozog'iston", "Qozoğiston", "Қозоғистон", "Qozogʻiston")}
    assert len(keys) == 1


def test_invisible_characters_are_stripped():
    """NUL, zero-width, bidi overrides and tag characters are never passed on."""
    dirty = "Ja\x00pa\u200bn\u202e \U000e0041\u2066x"
    assert strip_invisible(dirty) == "Japan x"


def test_apostrophe_variants_unify():
    """o‘, oʻ, o' and o’ are the same letter to a reader."""
    assert match_key("Oʻzbekiston") == match_key("O'zbekiston") == match_key("O’zbekiston")


def test_uzbek_reaches_the_embedder_in_one_latin_spelling():
    """Cyrillic, old Latin and new Latin Uzbek are embedded as the same old-Latin text."""
    spellings = [
        "Қозоғистон ва Япония ўртасида",
        "Qozog'iston va Yaponiya o'rtasida",
        "Qozoğiston va Yaponiya örtasida",
    ]
    assert {uzbek_latin(normalize(s)) for s in spellings} == {"Qozogʻiston va Yaponiya oʻrtasida"}
    assert embedding_text("Hitachi Construction Machinery президенти", "uz-Cyrl") == (
        "Hitachi Construction Machinery prezidenti"
    )


def test_russian_and_english_reach_the_embedder_unchanged():
    for text, lang in [("Кто является премьер-министром Японии?", "ru"), ("Who is Yoriko Kawaguchi?", "en")]:
        assert embedding_text(text, lang) == text
