"""Question-to-gold-sentence word overlap (eval.overlap) and the gold sentences it reads (eval.gold):
how close a set's questions sit to the article's own words."""

import json

import pytest

from eval.dataset import Item
from eval.gold import Corpus
from eval.overlap import content_words, main, overlap
from tests.conftest import CORPUS

# A sentence of the article and its paragraph's next sentence (paragraph 1).
GOLD = "Бугун Давлат раҳбарининг Японияга расмий ташрифи якунланди"
NEXT = "Бу шунчаки расмий ташриф эмас"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(CORPUS)


def _item(question: str, lang: str, evidence: str = GOLD, answerable: bool = True) -> Item:
    return Item("o-1", lang, question, ("x",) if answerable else (), (evidence,) if answerable else (), answerable)


def test_question_and_function_words_are_not_content_words():
    """Only words with a meaning of their own are counted: "qachon", "ли", "the" are not."""
    assert content_words("Qachon?", "uz-Latn") == []
    assert len(content_words("When did the official visit end?", "en")) == 3  # official, visit, end


def test_a_question_in_the_sentences_words_overlaps_fully_in_either_script(corpus):
    """Words taken from the gold sentence all occur in it, typed in Cyrillic or in Latin Uzbek."""
    assert overlap(_item("Давлат раҳбарининг Японияга расмий ташрифи якунландими?", "uz-Cyrl"), corpus) == 1.0
    assert overlap(_item("Davlat rahbarining Yaponiyaga rasmiy tashrifi yakunlandimi?", "uz-Latn"), corpus) == 1.0


def test_a_paraphrase_overlaps_partly_and_other_words_not_at_all(corpus):
    """One of four content words shared (Япония; "Президент", "сафар", "туга" are synonyms the
    sentence words differently) gives a quarter; words the sentence lacks give zero."""
    assert overlap(_item("Президентнинг Японияга сафари тугадими?", "uz-Cyrl"), corpus) == 0.25
    assert overlap(_item("Komatsu экскаваторлари қаерда?", "uz-Cyrl"), corpus) == 0.0


def test_gold_sentences_span_sentences_and_include_the_title(corpus):
    """Evidence running over a sentence boundary gives both sentences; the headline is paragraph 0."""
    gold = corpus.find(f"{GOLD}. {NEXT}")
    assert len(gold.sentences) == 2 and gold.paragraph == 1
    assert GOLD in gold.sentences[0].text and gold.sentences[1].text.startswith(NEXT)
    assert corpus.find("Токио Астанага нималарни ваъда қилди").paragraph == 0
    assert corpus.find("Bu jumla maqolada yo'q") is None


def test_command_reads_any_dataset(tmp_path, capsys):
    """`python -m eval.overlap FILE` prints the set's row and writes per-question figures; an
    unanswerable question is not measured, a missing file is one clear line."""
    items = [
        {
            "id": "a",
            "lang": "uz-Cyrl",
            "question": "Давлат раҳбарининг ташрифи якунландими?",
            "answers": ["x"],
            "evidence": [GOLD],
            "answerable": True,
        },
        {"id": "b", "lang": "en", "question": "Tell me a joke", "answers": [], "evidence": [], "answerable": False},
    ]
    dataset, out = tmp_path / "qa_fresh.jsonl", tmp_path / "overlap.json"
    dataset.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    assert main([str(dataset), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "qa_fresh.jsonl | 1 | 1 | 1.000 | 1.000 (1) |" in printed
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert next(iter(figures.values()))["questions"] == {"a": 1.0}
    assert main([str(tmp_path / "missing.jsonl")]) == 1
    assert "does not exist" in capsys.readouterr().err
