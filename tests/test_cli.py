"""The `savol` command line: real processes, one-line messages, never a traceback."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import savol.cli as cli
from answering.answer import Answer, Citation
from ingest.corpus import read_source
from ingest.settings import PROJECT_ROOT
from ingest.store import current_version
from page.text import TEXTS
from tests.conftest import ARTICLE


def _run(args, env_index, stdin=None, extra_env=None):
    env = dict(os.environ, SAVOL_INDEX=str(env_index), PYTHONIOENCODING="utf-8", **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "savol.cli", *args], input=stdin, capture_output=True, env=env, timeout=300
    )


def _assert_clean_error(proc, needle):
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert needle in err, err


def test_ask_prints_a_cited_answer(built_index):
    """The main job from the terminal: an answer quoted from the article, with its source."""
    proc = _run(["ask", "Komatsu nima qurmoqchi?"], built_index)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr
    assert "Komatsu" in out and "[1]" in out and TEXTS["uz-Latn"].paragraph.format("") in out


def test_ask_json_batch_mode_answers_every_good_line(built_index):
    """One JSON object per line; a bad line gets an error object, the rest are answered, exit non-zero."""
    stdin = "Кто такой Сэнзаки?\n\x00\u200b\n".encode() + b"\xff\xfe bad\n" + b"What is JOGMEC?\n"
    proc = _run(["ask", "--json", "-"], built_index, stdin=stdin)
    lines = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert len(lines) == 4
    assert "answer" in lines[0] and "answer" in lines[3]
    assert "empty" in lines[1]["error"] and "UTF-8" in lines[2]["error"]
    _assert_clean_error(proc, '2 of 4 line(s) could not be answered; the reasons are in the objects with an "error"')


@pytest.mark.parametrize(
    "question, needle",
    [("", "empty"), ("   ", "empty"), ("\u200b\u202e\x01\U000e0041", "empty"), ("x" * 2001, "limit is 2,000")],
)
def test_bad_questions_get_one_line_messages(built_index, question, needle):
    """Empty, invisible-only and over-long questions are refused with the fix, before any model call."""
    _assert_clean_error(_run(["ask", question], built_index), needle)


def test_undecodable_argv_bytes(built_index):
    """Bytes that are not UTF-8 on the command line are named, not crashed on."""
    env = dict(os.environ, SAVOL_INDEX=str(built_index))
    proc = subprocess.run(
        [sys.executable.encode(), b"-m", b"savol.cli", b"ask", b"\xff\xfe?"],
        capture_output=True,
        env=env,
    )
    _assert_clean_error(proc, "not valid UTF-8")


def test_corrupt_index_is_one_line_and_left_alone(index_copy):
    """A garbled index file is reported with the fix; asking does not overwrite it."""
    version = current_version(index_copy)
    target = index_copy / "versions" / version / "chunks.faiss"
    target.write_bytes(b"garbage")
    proc = _run(["ask", "Komatsu?"], index_copy)
    _assert_clean_error(proc, "savol ingest --rebuild")
    assert target.read_bytes() == b"garbage" and current_version(index_copy) == version


def test_ask_builds_the_index_on_first_run(tmp_path, article_path):
    """A first run just works: `ask` ingests when there is no index."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(article_path, corpus)
    proc = _run(["ask", "Токио губернатори ким?"], tmp_path / "fresh", extra_env={"SAVOL_CORPUS": str(corpus)})
    assert proc.returncode == 0, proc.stderr
    assert "Юрико Коикэ" in proc.stdout.decode("utf-8")
    assert current_version(tmp_path / "fresh") is not None


def test_ingest_unchanged_corpus_reports_up_to_date(index_copy):
    """Re-ingesting an unchanged corpus embeds nothing and says so."""
    proc = _run(["ingest", "--quiet"], index_copy)
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout.decode("utf-8")


def test_unknown_embedder_is_a_clear_error(index_copy):
    """A typo in --embedder names the accepted forms."""
    _assert_clean_error(_run(["ask", "Komatsu?", "--embedder", "bert"], index_copy), "Unknown embedder")


def test_batch_mode_over_long_line_is_reported_and_skipped(built_index):
    """A line with no end in sight is refused without being held in memory; the next line is answered."""
    stdin = b"x" * 20_000 + "\nТокио губернатори ким?\n".encode()
    proc = _run(["ask", "--json", "-"], built_index, stdin=stdin)
    first, second = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert "longer than 2,000" in first["error"] and "Юрико Коикэ" in second["answer"]


def test_batch_summary_says_where_the_reasons_are(built_index):
    """Without --json the reasons are "line N: …" messages on stderr, and the summary says so."""
    proc = _run(["ask", "-"], built_index, stdin="Токио губернатори ким?\n\n".encode())
    err = proc.stderr.decode("utf-8")
    assert "Юрико Коикэ" in proc.stdout.decode("utf-8")
    assert "line 2: " in err
    _assert_clean_error(proc, '1 of 2 line(s) could not be answered; the reasons are in the "line N: …" messages above')


@pytest.mark.parametrize("question, lang", [("Какая погода в Токио?", "ru"), ("Who won the football match?", "en")])
def test_refusal_and_its_closest_passages_speak_the_reader_language(app, capsys, question, lang):
    """A refusal, its heading and its paragraph labels are in the reader's language, no other."""
    result = app.ask(question)
    assert result.refused
    cli._print_answer(result, as_json=False)
    out = capsys.readouterr().out
    t = TEXTS[lang]
    assert out.startswith(result.answer) and f"\n{t.closest}: " in out
    assert all(TEXTS[other].closest not in out for other in TEXTS if other != lang)
    assert out.count(t.paragraph.format("").strip()) == len(result.retrieved[:3])


def test_title_once_per_answer_and_the_quoted_sentence_paragraph(app, capsys):
    """The article's title heads the sources once; each marker's line gives its quoted sentence's
    own paragraph (the one the article file puts it in), as the page does."""
    result = app.ask("Кто губернатор Токио?")
    own = next(p.number for p in read_source(ARTICLE).paragraphs if result.citations[0].quote in p.text)
    cli._print_answer(result, as_json=False)
    out = capsys.readouterr().out
    title = result.citations[0].title
    assert out.count(title) == 1
    assert f"\n  [1] {TEXTS['ru'].paragraph.format(own)}\n" in out
    two = [Citation(n, f"c{n}", title, "2025-12-20", n + 10, "Q.", "Q.", 0, 2) for n in (1, 2)]
    cli._print_answer(Answer("q?", "Q. [1] Q. [2]", False, "en", citations=two), as_json=False)
    out = capsys.readouterr().out
    assert out.count(title) == 1 and "  [1] paragraph 11\n  [2] paragraph 12" in out


def test_help_states_the_defaults_in_use(tmp_path, monkeypatch, capsys):
    """--help names the folders a run would really use: the project's corpus from any folder, or
    the one SAVOL_CORPUS names."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAVOL_CORPUS")
    with pytest.raises(SystemExit):
        cli.main(["ask", "--help"])
    assert f"default {PROJECT_ROOT / 'corpus'}; env SAVOL_CORPUS" in " ".join(capsys.readouterr().out.split())
    monkeypatch.setenv("SAVOL_CORPUS", str(tmp_path / "mine"))
    with pytest.raises(SystemExit):
        cli.main(["ask", "--help"])
    assert "default mine, from SAVOL_CORPUS" in " ".join(capsys.readouterr().out.split())
