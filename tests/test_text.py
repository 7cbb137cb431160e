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


def _texts_to_convert() -> list[str]:
    """The whole article, each of its lines and sentences, and every question and answer in the datasets,
    as they come and as the index normalises them, plus spellings that could depend on their neighbours."""
    import json

    from ingest.corpus import list_corpus, read_source
    from ingest.settings import PROJECT_ROOT
    from ingest.split import split_sentences

    texts = ["ЎЗБЕКИСТОН ВА ҚОЗОҒИСТОН", "Е. Ёқубов, ЕИ ва ЮНЕСКО", "  Цех  ва\tцентр\n\nЪ ё ", "O‘zbekiston – o'z", ""]
    for path in list_corpus(PROJECT_ROOT / "corpus"):
        source = read_source(path)
        texts += [source.text, *source.text.splitlines(), *(s.text for s in split_sentences(source))]
    for path in sorted((PROJECT_ROOT / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            texts += [item["question"], *item.get("answers", []), *item.get("evidence", [])]
    return texts + [normalize(strip_invisible(t)) for t in texts]


def test_cached_alifbo_is_alifbo():
    """The per-word caches change nothing: the article, its sentences and every dataset's questions get
    exactly what alifbo gives the whole text at once (ingest and answers stay byte-identical)."""
    import alifbo

    from ingest.text import search_key

    texts = _texts_to_convert()
    assert len(texts) > 2000
    for text in texts:
        assert search_key(text) == alifbo.fold_search_key(text), text
        assert uzbek_latin(text) == alifbo.to_old_latin(alifbo.from_cyrillic(text).text).text, text
