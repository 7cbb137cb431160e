"""`savol translate`: gaps filled one sentence at a time through a chat model, kept as they come."""

from __future__ import annotations

import json
import shutil

import alifbo
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

import answering.llm
from answering.llm.translate import clean_reply, rejection
from ingest.corpus import read_source
from ingest.split import split_sentences
from ingest.translations import read_translation, translation_path, untranslated_note
from savol.cli import main

_RUSSIAN = str.maketrans("ўқғҳЎҚҒҲ", "укгхУКГХ")


def fake_translation(source: str, lang: str) -> str:
    """A deterministic stand-in for a translation: English in Latin letters, Russian without Uzbek letters."""
    if lang == "en":
        return "EN " + alifbo.from_cyrillic(source).text
    return "РУ " + source.translate(_RUSSIAN)


class Translator(GenericFakeChatModel):
    """Translates with :func:`fake_translation`; ``bad`` sources get ``bad_reply`` instead (``times`` times).

    ``stop_after`` raises ``stop_with`` on that call (an interruption, a server gone away).
    """

    messages: object = iter(())
    calls: int = 0
    prompts: list = Field(default_factory=list)
    bad: tuple[str, ...] = ()
    bad_reply: str = ""
    times: int = 99
    stop_after: int = 0
    stop_with: object = None

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.calls += 1
        self.prompts = [*self.prompts, messages]
        if self.stop_after and self.calls == self.stop_after:
            raise self.stop_with
        prompt = messages[-1].content
        lang = "en" if "into English" in prompt else "ru"
        source = prompt.split(f"Translate this sentence into {'English' if lang == 'en' else 'Russian'}:\n", 1)[1]
        source = source.split("\n\n", 1)[0]
        if source in self.bad and self.times > 0:
            self.times -= 1
            reply = self.bad_reply or source
        else:
            reply = fake_translation(source, lang)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


@pytest.fixture
def corpus(tmp_path, article_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(article_path, folder / article_path.name)
    return folder


def _article(corpus):
    path = next(corpus.glob("*.txt"))
    source = read_source(path)
    return path, source, split_sentences(source)


def _lines(corpus, lang) -> list[str]:
    path, source, sentences = _article(corpus)
    found = read_translation(translation_path(path, lang), source, sentences)
    return [found.title] + [found.texts[s.id] for s in sentences]


def _run(monkeypatch, model, *args) -> int:
    monkeypatch.setattr(answering.llm, "check_backend", lambda spec: None)
    monkeypatch.setattr(answering.llm, "load_chat_model", lambda spec, timeout: model)
    return main(["translate", "--llm", "ollama:fake", "--quiet", *args])


def test_fills_missing_files_sentence_by_sentence(corpus, monkeypatch, capsys):
    """With no translation at all, every line is asked for once, and each file checks against the article."""
    model = Translator()
    assert _run(monkeypatch, model, "--corpus", str(corpus)) == 0
    _, source, sentences = _article(corpus)
    originals = [source.title] + [s.text for s in sentences]
    for lang in ("ru", "en"):
        assert _lines(corpus, lang) == [fake_translation(s, lang) for s in originals]
    assert model.calls == 2 * len(originals)
    assert "translation(s) saved" in capsys.readouterr().out
    # The sentence before, and its translation, are given as context.
    second = next(p[-1].content for p in model.prompts if f"into English:\n{originals[2]}" in p[-1].content)
    assert originals[1] in second and fake_translation(originals[1], "en") in second


def test_only_the_gaps_are_asked_for_and_existing_texts_stay(corpus, monkeypatch):
    """A translation someone wrote (or fixed) by hand is never sent to the LLM nor overwritten."""
    path, source, sentences = _article(corpus)
    rows = [{"paragraph": 0, "source": source.title, "text": "Hand-made title"}]
    rows += [
        {"paragraph": s.paragraph, "source": s.text, "text": "kept" if i % 2 else ""} for i, s in enumerate(sentences)
    ]
    translation_path(path, "en").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    model = Translator()
    assert _run(monkeypatch, model, "--corpus", str(corpus), "--lang", "en") == 0
    lines = _lines(corpus, "en")
    assert lines[0] == "Hand-made title"
    for i, s in enumerate(sentences):
        assert lines[i + 1] == ("kept" if i % 2 else fake_translation(s.text, "en"))
    assert model.calls == sum(1 for i in range(len(sentences)) if not i % 2)
    assert not translation_path(path, "ru").exists()  # --lang en leaves Russian alone


def test_an_interrupted_run_keeps_its_work_and_a_rerun_continues(corpus, monkeypatch, capsys):
    """Each sentence is on disk as soon as it is translated; the rerun asks only for the rest."""
    first = Translator(stop_after=5, stop_with=KeyboardInterrupt())
    assert _run(monkeypatch, first, "--corpus", str(corpus), "--lang", "ru") == 130
    assert "4 translation(s) saved" in capsys.readouterr().err
    done = _lines(corpus, "ru")
    assert all(done[:4]) and not any(done[4:])
    second = Translator()
    assert _run(monkeypatch, second, "--corpus", str(corpus), "--lang", "ru") == 0
    assert second.calls == len(done) - 4
    assert _lines(corpus, "ru")[:4] == done[:4] and all(_lines(corpus, "ru"))
    third = Translator()
    assert _run(monkeypatch, third, "--corpus", str(corpus), "--lang", "ru") == 0
    assert third.calls == 0 and "nothing to translate" in capsys.readouterr().out


def test_a_failing_server_stops_the_run_in_one_line_and_keeps_the_work(corpus, monkeypatch, capsys):
    """A backend that goes away is named in words; what was translated before stays."""
    model = Translator(stop_after=3, stop_with=ConnectionRefusedError(111, "Connection refused"))
    assert _run(monkeypatch, model, "--corpus", str(corpus), "--lang", "en") == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refused the connection" in err and "2 translation(s) saved" in err
    assert sum(1 for t in _lines(corpus, "en") if t) == 2


def test_no_backend_says_the_article_stays_uzbek_only(corpus, capsys):
    """Without --llm nothing is written, and one line says what that means and how to configure one."""
    assert main(["translate", "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "Uzbek-only" in err and "--llm ollama:MODEL" in err and "SAVOL_LLM" in err
    assert not list(corpus.glob("*.jsonl"))


def test_a_bad_reply_is_retried_once(corpus, monkeypatch):
    """A reply that echoes the sentence is asked for again, with the reason; a good second reply is kept."""
    sentences = _article(corpus)[2]
    target = sentences[3].text
    model = Translator(bad=(target,), times=1)
    assert _run(monkeypatch, model, "--corpus", str(corpus), "--lang", "en") == 0
    assert _lines(corpus, "en")[4] == fake_translation(target, "en")
    assert model.calls == len(sentences) + 2
    retry = [p[-1].content for p in model.prompts if target in p[-1].content.split("into English:\n", 1)[1]][-1]
    assert "rejected: it repeated the sentence untranslated" in retry


def test_a_reply_rejected_twice_is_skipped_and_reported(corpus, monkeypatch, capsys):
    """Twice-bad output is not saved: the line stays empty, the run says which one and why, exit 1."""
    sentences = _article(corpus)[2]
    target = sentences[2].text
    model = Translator(bad=(target,), bad_reply="Here is the translation:\n\n" + "blah " * 200)
    assert _run(monkeypatch, model, "--corpus", str(corpus), "--lang", "en") == 1
    lines = _lines(corpus, "en")
    assert lines[3] == "" and all(t for i, t in enumerate(lines) if i != 3)
    err = capsys.readouterr().err
    assert "line 4" in err and "several lines" in err and "1 sentence(s) were left untranslated" in err


@pytest.mark.parametrize(
    ("source", "reply", "lang", "why"),
    [
        ("Япония Бош вазири билан учрашди.", "", "en", "empty"),
        ("Япония Бош вазири билан учрашди.", "Япония Бош вазири билан учрашди.", "en", "repeated"),
        ("Япония Бош вазири билан учрашди.", "He met the Prime Minister of Japan. " * 6, "en", "added"),
        ("Япония Бош вазири билан учрашди ва битимлар имзоланди, " * 3, "He met.", "en", "dropped"),
        ("Япония Бош вазири билан учрашди.", "Он встретился с Премьер-министром Японии.", "en", "not in English"),
        ("Тоқаев Япония Бош вазири билан учрашди.", "Он Тоқаев Япония вазири билан учрашди.", "ru", "not in Russian"),
        ("Япония Бош вазири билан учрашди.", "He met the Prime Minister of Japan.", "ru", "not in Russian"),
    ],
)
def test_plainly_wrong_replies_are_rejected(source, reply, lang, why):
    """Echoes, padding, truncation and the wrong language are caught without knowing the right answer."""
    assert why in (rejection(source, reply, lang) or "")


def test_faithful_looking_replies_pass():
    """A right translation, and a short name that rightly stays as it is, are accepted."""
    assert rejection("Япония Бош вазири билан учрашди.", "He met the Prime Minister of Japan.", "en") is None
    assert rejection("Япония Бош вазири билан учрашди.", "Он встретился с премьер-министром Японии.", "ru") is None
    assert rejection("Komatsu.", "Komatsu.", "en") is None


def test_reply_wrappers_are_removed():
    """Labels, wrapping quotes and a reasoning block are not part of the translation."""
    assert clean_reply("<think>hmm</think>\nTranslation: «He met her.»") == "He met her."
    assert clean_reply('"He said «yes»."') == "He said «yes»."
    assert clean_reply("«Да», — сказал он.") == "«Да», — сказал он."


def test_ingest_note_names_articles_without_any_translation(corpus):
    """`savol ingest` says once that an article without views is matched in Uzbek only; a view silences it."""
    path = _article(corpus)[0]
    note = untranslated_note(corpus)
    assert note.startswith(f"{path.name}: no Russian/English translation;")
    assert "matched against the Uzbek text" in note and "savol translate" in note
    translation_path(path, "ru").write_text("", "utf-8")
    assert untranslated_note(corpus) is None
    assert untranslated_note(corpus / "missing") is None


def test_ingest_prints_the_note_once(corpus, tmp_path, capsys):
    """The note comes from the ingest command itself, once per run."""
    assert main(["ingest", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.count("no Russian/English translation") == 1
