"""Faults while serving: a re-ingest under load, a broken new index version, a full feedback
file, a locked page.

Covered elsewhere: a planted index.pkl is never unpickled, a truncated or garbled index
file is a clear error, a crash between writes leaves the previous version loadable
(test_index.py, test_cli.py); an unwritable feedback folder (test_chat_app.py).
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
from gradio_client.exceptions import AuthenticationError

import chat_app
from ingest.index import _point_current, current_version, load_store
from savol.chain import Savol
from savol import feedback
from savol.errors import IndexCorrupt
from savol.page_text import TEXTS
from savol.settings import Settings
from tests.page_client import request

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
                    text = chat_app._text(client.submit(GOOD, [], api_name="/chat").result()[1][-1]["content"])
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


# ---------------------------------------------------------------- disk


def test_feedback_file_stops_growing_at_its_cap(app, tmp_path, monkeypatch):
    """Votes sent in a loop cannot fill the disk: past the cap they are refused with a notice,
    the file keeps whole lines, and the page goes on answering."""
    monkeypatch.setattr(feedback, "MAX_FEEDBACK_BYTES", 5_000)
    _, history, _, turns = list(chat_app.respond(HITACHI, [], app=app))[-1]
    vote = gr.LikeData(None, {"index": 1, "value": "", "liked": True})
    with pytest.warns(UserWarning, match=TEXTS["uz-Cyrl"].feedback_failed):  # the page speaks the reader's language
        for _ in range(50):
            chat_app.on_like(history, turns, vote, feedback_dir=tmp_path)
    path = feedback.feedback_path(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert 0 < path.stat().st_size <= 5_000 and all(json.loads(line)["vote"] == "like" for line in lines)
    with pytest.raises(feedback.FeedbackNotSaved, match="has reached 5,000 bytes"):
        feedback.record_vote(tmp_path, vote="like", question="q", answer="a" * 5_000)
    final = list(chat_app.respond(GOOD, [], app=app))[-1][1]
    assert GOVERNOR in final[-1]["content"]


# ---------------------------------------------------------------- SAVOL_AUTH

USER, PASSWORD = "reader", "s3cret-Пароль"


@pytest.fixture(scope="module")
def locked(app, serve_page):
    """The page behind SAVOL_AUTH=reader:s3cret-Пароль."""
    with serve_page(app, auth=f"{USER}:{PASSWORD}") as url:
        yield url


def _status(url: str, method: str, path: str, body: dict | None = None, cookie: str | None = None) -> int:
    headers = {"Content-Type": "application/json"} | ({"Cookie": cookie} if cookie else {})
    return request(url, method, path, json.dumps(body) if body is not None else None, headers, timeout=30)[0]


def test_client_without_credentials_is_refused(locked, model_calls):
    """A script that does not log in gets no config, no API and no answer."""
    with pytest.raises(AuthenticationError, match="login"):
        Client(locked, verbose=False)
    assert model_calls == []


@pytest.mark.parametrize("user, password", [(USER, "wrong"), ("admin", PASSWORD), (USER, PASSWORD.upper())])
def test_client_with_wrong_credentials_is_refused(locked, model_calls, user, password):
    """A wrong user or password is rejected at login (Gradio: 400), with no answer computed."""
    with pytest.raises((AuthenticationError, ValueError), match="Could not login"):
        Client(locked, auth=(user, password), verbose=False)
    assert model_calls == []


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/config", None),
        ("GET", "/gradio_api/info", None),
        ("POST", "/gradio_api/call/ask", {"data": [GOOD, None]}),
        ("POST", "/gradio_api/queue/join", {"data": [GOOD, None], "fn_index": 0, "session_hash": "s"}),
    ],
)
def test_raw_http_without_a_session_is_refused(locked, model_calls, method, path, body):
    """Every route that reveals or runs something answers 401 without a login cookie."""
    assert _status(locked, method, path, body) == 401
    assert _status(locked, method, path, body, cookie="access-token=forged") == 401
    assert model_calls == []


def test_right_credentials_are_let_in(locked):
    """The refusals above are the lock working, not a broken page: the right login gets answers."""
    client = Client(locked, auth=(USER, PASSWORD), verbose=False)
    assert GOVERNOR in _ask(client, GOOD)
