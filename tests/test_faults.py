"""Faults while serving: a re-ingest under load, a broken new index version, a full feedback
file.

Covered elsewhere: a planted index.pkl is never unpickled, a truncated or garbled index
file is a clear error, a crash between writes leaves the previous version loadable
(test_index.py, test_cli.py); an unwritable feedback folder (test_chat_app.py); the
locked page (test_login.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
import time
from dataclasses import replace

import gradio as gr
import pytest
from gradio_client import Client

import page.app as page_app
from answering.chain import Savol
from ingest.errors import IndexCorrupt
from ingest.settings import Settings
from ingest.store import current_version, load_store
from ingest.versions import _point_current
from page import feedback
from page.text import TEXTS
from savol import cli

GOOD = "Кто губернатор Токио?"
GOVERNOR = "Юрико Коикэ"
HITACHI = "Hitachi Construction Machinery нима қилади?"
NEWS = "Япония маданият маркази қайси шаҳарда очилади?"
ADDED = "date 2025-12-21 Қўшимча хабар\nЯпония маданият маркази {city} шаҳрида 2026 йил мартда очилади.\n"


def _ask(client: Client, question: str) -> str:
    return client.predict(question, api_name="/ask")["answer"]


# ---------------------------------------------------------------- re-ingest while serving


@pytest.fixture
def live(tmp_path, index_copy, article_path) -> Settings:
    """A corpus and index of this test's own, which it may change and re-ingest."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(article_path, corpus)
    return Settings(corpus_dir=corpus, index_dir=index_copy, feedback_dir=tmp_path / "feedback")


def test_ingest_while_serving_fails_no_question(live, serve_page):
    """Readers asking during `savol ingest` all get answers; afterwards answers come from the new text.

    Four readers (two on `/ask`, two on the page's `/chat`) ask without pause while the
    corpus is changed and re-ingested twice into the folder being served, as a second
    process would.
    """
    served = Savol(live)
    ingester = Savol(live)  # its own model and loaded index, like `savol ingest` in another terminal
    answers, errors = [], []
    stop = threading.Event()

    def reader(endpoint: str) -> None:
        try:
            client = Client(serve_url, verbose=False)
        except Exception as exc:
            errors.append(exc)
            return
        while not stop.is_set():
            try:
                if endpoint == "ask":
                    text = _ask(client, GOOD)
                else:
                    text = page_app._text(client.submit(GOOD, [], api_name="/chat").result()[1][-1]["content"])
                answers.append(text)
            except Exception as exc:
                errors.append(exc)

    def wait_for_answers(n: int) -> None:
        target, deadline = len(answers) + n, time.monotonic() + 60
        while len(answers) < target and not errors and time.monotonic() < deadline:
            stop.wait(0.05)

    with serve_page(served) as serve_url:
        readers = [threading.Thread(target=reader, args=(e,)) for e in ("ask", "ask", "chat", "chat")]
        for t in readers:
            t.start()
        try:
            wait_for_answers(8)
            versions = [current_version(live.index_dir)]
            for city in ("Самарқанд", "Бухоро"):
                (live.corpus_dir / "added.txt").write_text(ADDED.format(city=city), encoding="utf-8")
                versions.append(ingester.ingest().version)
                wait_for_answers(8)
        finally:
            stop.set()
            for t in readers:
                t.join(timeout=60)
        assert errors == []
        assert len(set(versions)) == 3
        assert all(GOVERNOR in a for a in answers)
        assert served.store.version == versions[-1]
        news = _ask(Client(serve_url, verbose=False), NEWS)
        assert "Бухоро" in news and "Самарқанд" not in news


# ---------------------------------------------------------------- a broken new version


def _plant_broken_version(index_dir, how: str) -> str:
    """A copy of the served version with chunks.faiss cut in half, made current; its name."""
    old = current_version(index_dir)
    name = old + "-broken"
    target = index_dir / "versions" / name
    shutil.copytree(index_dir / "versions" / old, target)
    faiss_file = target / "chunks.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[: faiss_file.stat().st_size // 2])
    if how == "checksum-matches":  # damage a checksum cannot see: FAISS itself reads the garbage
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        manifest["checksums"]["chunks.faiss"] = hashlib.sha256(faiss_file.read_bytes()).hexdigest()
        (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    _point_current(index_dir, name)
    return name


@pytest.mark.parametrize("how", ["truncated", "checksum-matches"])
def test_broken_new_version_leaves_the_previous_one_serving(settings, index_copy, serve_page, caplog, how):
    """A new version that cannot load is logged, and readers keep getting answers from the old one."""
    served = Savol(replace(settings, index_dir=index_copy))
    with serve_page(served) as url:
        client = Client(url, verbose=False)
        assert GOVERNOR in _ask(client, GOOD)
        old = served.store.version
        _plant_broken_version(index_copy, how)
        with pytest.raises(IndexCorrupt, match="savol ingest --rebuild"):
            load_store(index_copy)  # what a fresh start would say
        with caplog.at_level(logging.WARNING, logger="savol"):
            assert GOVERNOR in _ask(client, GOOD)
            assert "Hitachi" in _ask(client, HITACHI)
        assert served.store.version == old
        assert f"keeping index version {old}" in caplog.text

        repaired = old + "-repaired"  # the operator fixes it: the page follows CURRENT again
        shutil.copytree(index_copy / "versions" / old, index_copy / "versions" / repaired)
        _point_current(index_copy, repaired)
        assert GOVERNOR in _ask(client, GOOD)
        assert served.store.version == repaired


# ---------------------------------------------------------------- a damaged CURRENT pointer

DAMAGED_CURRENT = {
    "garbled": b"../../etc\n",
    "empty": b"",
    "not-utf8": b"\xff\xfe2025\x00",
    "missing-version": b"20991231-235959-abcdef\n",
}


@pytest.mark.parametrize("damage", DAMAGED_CURRENT)
def test_damaged_current_keeps_the_loaded_version_serving(settings, index_copy, serve_page, caplog, damage):
    """A CURRENT that is garbled, empty, not UTF-8 or names a missing version does not stop a
    running page: readers keep getting answers from the loaded version, and the log says why
    once (not once per question)."""
    served = Savol(replace(settings, index_dir=index_copy))
    with serve_page(served) as url:
        client = Client(url, verbose=False)
        assert GOVERNOR in _ask(client, GOOD)
        old = served.store.version
        (index_copy / "CURRENT").write_bytes(DAMAGED_CURRENT[damage])
        with caplog.at_level(logging.WARNING, logger="savol"):
            assert GOVERNOR in _ask(client, GOOD)
            assert "Hitachi" in _ask(client, HITACHI)
            chat = client.submit(GOOD, [], api_name="/chat").result()[1]
            assert GOVERNOR in page_app._text(chat[-1]["content"])
        assert served.store.version == old
        kept = [r.getMessage() for r in caplog.records if r.name == "savol"]
        assert len(kept) == 1 and kept[0].startswith(f"keeping index version {old}: ")
        assert "CURRENT" in kept[0] and "savol ingest --rebuild" in kept[0]


@pytest.mark.parametrize("command", ["ask", "serve"])
@pytest.mark.parametrize("damage", DAMAGED_CURRENT)
def test_damaged_current_at_start_is_one_line_naming_the_rebuild(index_copy, monkeypatch, capsys, command, damage):
    """With no loaded version to fall back on, `savol ask` and `savol serve` stop with one line
    that names the fix, and leave the index as it is."""
    monkeypatch.setenv("SAVOL_INDEX", str(index_copy))
    monkeypatch.setattr(gr.Blocks, "launch", lambda *a, **k: pytest.fail("served a damaged index"))
    (index_copy / "CURRENT").write_bytes(DAMAGED_CURRENT[damage])
    argv = ["ask", GOOD] if command == "ask" else ["serve", "--port", "1"]
    assert cli.main(argv) == 1
    *progress, err = capsys.readouterr().err.splitlines()  # `serve` may first say what it is loading
    assert progress in ([], ["savol: loading the model and the index…"]) and not (progress and command == "ask")
    assert err.startswith("savol: ") and "Traceback" not in err
    assert "CURRENT" in err and "savol ingest --rebuild" in err
    assert (index_copy / "CURRENT").read_bytes() == DAMAGED_CURRENT[damage]


# ---------------------------------------------------------------- disk


def test_feedback_file_stops_growing_at_its_cap(app, tmp_path, monkeypatch):
    """Votes sent in a loop cannot fill the disk: past the cap they are refused with a notice,
    the database keeps whole votes, and the page goes on answering."""
    monkeypatch.setattr(feedback, "MAX_FEEDBACK_BYTES", 60_000)
    _, history, _, turns = list(page_app.respond(HITACHI, [], app=app))[-1]
    vote = gr.LikeData(None, {"index": 1, "value": "", "liked": True})
    with pytest.warns(UserWarning, match=TEXTS["uz-Cyrl"].feedback_failed):  # the page speaks the reader's language
        _vote_times(50, history, turns, vote, tmp_path)
    path = feedback.feedback_path(tmp_path)
    votes = list(feedback.read_votes(tmp_path))
    assert 0 < len(votes) < 50 and path.stat().st_size <= 60_000 and all(v["vote"] == "like" for v in votes)
    with pytest.raises(feedback.FeedbackNotSaved, match="has reached 60,000 bytes"):
        feedback.record_vote(tmp_path, vote="like", question="q", answer="a" * 5_000)
    final = list(page_app.respond(GOOD, [], app=app))[-1][1]
    assert GOVERNOR in final[-1]["content"]


def _vote_times(n: int, history, turns, vote, feedback_dir) -> None:
    for _ in range(n):
        page_app.on_like(history, turns, vote, feedback_dir=feedback_dir)
