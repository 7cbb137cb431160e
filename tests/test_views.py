"""Translated views (issue 15): aligned translations checked at ingest, retrieval in the reader's
language, and answers that carry the reader's language. Real index, real e5."""

from __future__ import annotations

import json
import shutil

import pytest

from answering.chain import Savol
from answering.reader import latin_spelling, to_latin
from ingest.corpus import read_source
from ingest.errors import CorpusError
from ingest.settings import Settings
from ingest.split import split_sentences
from ingest.store import current_version, load_store
from ingest.translations import read_translations, translation_path

ARTICLE = "000_d124424e03fa971d"


@pytest.fixture
def corpus_copy(tmp_path, article_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for lang in ("", ".ru", ".en"):
        name = f"{ARTICLE}{lang}.{'txt' if not lang else 'jsonl'}"
        shutil.copy(article_path.parent / name, folder / name)
    return folder


def test_shipped_translations_align_with_the_article(article_path):
    source = read_source(article_path)
    sentences = split_sentences(source)
    found = read_translations(article_path, source, sentences)
    assert set(found) == {"ru", "en"}
    for translation in found.values():
        assert translation.complete and len(translation.texts) == len(sentences)
    assert any("Коикэ" in t for t in found["ru"].texts.values())


def test_a_translation_that_does_not_align_is_one_line_naming_the_sentence_and_the_index_stays(corpus_copy, tmp_path):
    settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    app = Savol(settings)
    app.ingest()
    before = current_version(settings.index_dir)
    path = translation_path(corpus_copy / f"{ARTICLE}.txt", "ru")
    lines = path.read_text(encoding="utf-8").splitlines()
    del lines[40]  # one sentence's translation lost: every later line is off by one
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        Savol(settings).ingest()
    message = str(caught.value)
    assert "\n" not in message
    assert f"{ARTICLE}.ru.jsonl line 41" in message and "sentence 40" in message
    assert current_version(settings.index_dir) == before


class RecordingProgress:
    """``progress(total) -> advance(n)``, as the CLI's bar, recording every call."""

    def __init__(self):
        self.totals: list[int] = []
        self.done = 0

    def __call__(self, total: int):
        self.totals.append(total)
        return self.advance

    def advance(self, n: int) -> None:
        self.done += n


def test_views_are_indexed_and_a_changed_translation_reembeds_only_its_sentence(corpus_copy, tmp_path):
    settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    progress = RecordingProgress()
    report = Savol(settings).ingest(progress=progress)
    # One bar for the whole ingest: the original's texts, its latent terms and the views' sentences.
    assert progress.totals == [report.embedded + report.chunks] and progress.done == progress.totals[0]
    store = load_store(settings.index_dir)
    assert set(store.views) == {"ru", "en"}
    assert len(store.views["ru"].sentence_ids) == len(store.sentences)
    path = translation_path(corpus_copy / f"{ARTICLE}.txt", "en")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows[5]["text"] = rows[5]["text"] + " (revised)"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    progress = RecordingProgress()
    report = Savol(settings).ingest(progress=progress)
    assert report.changed and report.embedded == 1
    assert progress.totals == [1] and progress.done == 1
    assert load_store(settings.index_dir).views["en"].texts[4].endswith("(revised)")


def test_russian_and_english_questions_are_matched_in_their_own_view(app):
    for question, lang in (("Кто губернатор Токио?", "ru"), ("Who is the governor of Tokyo?", "en")):
        hits = app.retriever.search(question)
        assert hits[0].view == lang
    assert app.retriever.search("Токио губернатори ким?")[0].view is None  # Uzbek reads the original


@pytest.mark.parametrize(
    "question, lang, expect",
    [
        ("Кто губернатор Токио?", "ru", "Юрико Коикэ"),
        ("Who is the governor of Tokyo?", "en", "Yuriko Koike"),
        ("Tokio gubernatori kim?", "uz-Latn", "Yuriko Koike"),
    ],
)
def test_an_answer_carries_its_quotes_in_the_readers_language(app, question, lang, expect):
    answer = app.ask(question)
    assert not answer.refused and answer.lang == lang
    assert "Коикэ" in answer.answer  # the original is still quoted verbatim
    assert answer.translation_lang == lang and expect in answer.translation
    assert all(c.translation and c.sentence_id for c in answer.citations)
    data = answer.to_dict()
    assert data["translation"] == answer.translation
    assert data["citations"][0]["translation"] == answer.citations[0].translation


def test_uzbek_latin_translations_follow_the_questions_spelling():
    assert latin_spelling("Prezident qaysi şaharga bordi?") == "new"
    assert latin_spelling("Prezident qaysi shaharga bordi?") == "old"
    assert to_latin("Ўзбекистон шаҳар", "new") == "Özbekiston şahar"
    assert to_latin("Ўзбекистон шаҳар", "old") == "Oʻzbekiston shahar"


def test_an_uzbek_cyrillic_answer_and_a_refusal_carry_no_translation(app):
    assert app.ask("Токио губернатори ким?").translation is None
    refused = app.ask("Какой сегодня курс биткоина к доллару?")
    assert refused.refused and refused.translation is None and refused.answer.startswith("В статье")
