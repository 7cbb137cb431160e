"""Votes in SQLite (issue 17, item 2): one transaction each, bounded, exported as JSON lines."""

from __future__ import annotations

import json
import sqlite3

import gradio as gr
import pytest

import page.app as page_app
import page.feedback as feedback
from page.text import TEXTS
from savol import cli


def _vote(folder, n=0, session=None, **fields):
    record = {"vote": "like", "question": f"q{n}?", "answer": f"a{n}.", "session": session}
    return feedback.record_vote(folder, **(record | fields))


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    """A full disk during a vote (SQLite's own 'database or disk is full', forced with a page limit)
    stores nothing: the earlier votes stay whole, the next vote is saved, and the reader is told."""
    _vote(tmp_path, 1)
    real = feedback._connect

    def full_disk(path):
        conn = real(path)
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(feedback, "_connect", full_disk)
    with pytest.raises(feedback.FeedbackNotSaved, match="full"):
        _vote(tmp_path, 2, question="y" * 4_000, answer="x" * 4_000)
    monkeypatch.setattr(feedback, "_connect", real)
    _vote(tmp_path, 3)
    assert [v["question"] for v in feedback.read_votes(tmp_path)] == ["q1?", "q3?"]


def test_an_sqlite_error_during_the_insert_rolls_back(tmp_path, monkeypatch):
    """Whatever fails inside the transaction, the database holds the votes before it, no part of it."""
    _vote(tmp_path, 1)

    def broken(conn, path, session, now):
        conn.execute("INSERT INTO votes (at, session, record) VALUES (0, NULL, '{\"half\": ')")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(feedback, "_check_limits", broken)
    with pytest.raises(feedback.FeedbackNotSaved, match="disk I/O error"):
        _vote(tmp_path, 2)
    assert [v["question"] for v in feedback.read_votes(tmp_path)] == ["q1?"]


def test_export_writes_every_vote_as_a_json_line(tmp_path, monkeypatch, capsys):
    """`savol feedback export` gives back exactly what was stored, one JSON object per line."""
    written = [
        _vote(tmp_path, n, citations=[{"n": 1, "chunk_id": "c", "paragraph": 3, "quote": "Токио."}]) for n in range(3)
    ]
    monkeypatch.setenv("SAVOL_FEEDBACK", str(tmp_path))
    out = tmp_path / "votes.jsonl"
    assert cli.main(["feedback", "export", "--out", str(out)]) == 0
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == written
    assert "exported 3 votes" in capsys.readouterr().err


def test_export_with_no_votes_is_empty(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SAVOL_FEEDBACK", str(tmp_path / "none"))
    assert cli.main(["feedback", "export"]) == 0
    assert capsys.readouterr().out == ""


def test_each_vote_is_bounded(tmp_path):
    """Huge fields are cut and forged extra citations dropped, so no vote is over MAX_VOTE_BYTES."""
    citations = [{"n": i, "chunk_id": "c", "paragraph": 1, "quote": "q" * 100_000, "extra": "x" * 9} for i in range(50)]
    record = _vote(tmp_path, question="я" * 100_000, answer="a" * 100_000, citations=citations)
    assert len(record["question"]) == feedback.MAX_FIELD_CHARS and len(record["citations"]) == feedback.MAX_CITATIONS
    stored = next(feedback.read_votes(tmp_path))
    assert len(json.dumps(stored, ensure_ascii=False).encode()) <= feedback.MAX_VOTE_BYTES


def test_votes_per_session_are_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(feedback, "MAX_VOTES_PER_SESSION", 3)
    for n in range(3):
        _vote(tmp_path, n, session="s1")
    with pytest.raises(feedback.FeedbackNotSaved, match="Session has cast 3 votes"):
        _vote(tmp_path, 9, session="s1")
    _vote(tmp_path, 10, session="s2")  # another reader still votes


def test_votes_per_minute_are_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(feedback, "MAX_VOTES_PER_MINUTE", 4)
    for n in range(4):
        _vote(tmp_path, n, session=f"s{n}")
    with pytest.raises(feedback.FeedbackNotSaved, match="More than 4 votes in a minute"):
        _vote(tmp_path, 9, session="new")
    assert len(list(feedback.read_votes(tmp_path))) == 4


def test_the_page_stores_the_session_of_a_vote(app, tmp_path, monkeypatch):
    """The page passes the reader's session, so one session's loop stops at its limit."""
    monkeypatch.setattr(feedback, "MAX_VOTES_PER_SESSION", 2)
    like = gr.LikeData(None, {"index": 1, "value": "ok", "liked": True})
    history = [{"role": "user", "content": "Кто губернатор Токио?"}, {"role": "assistant", "content": "ok"}]
    page_app.on_like(history, {}, like, feedback_dir=tmp_path, session="abc")
    page_app.on_like(history, {}, like, feedback_dir=tmp_path, session="abc")
    with pytest.warns(UserWarning, match=TEXTS["ru"].feedback_failed):
        page_app.on_like(history, {}, like, feedback_dir=tmp_path, session="abc")
    assert len(list(feedback.read_votes(tmp_path))) == 2


def test_votes_are_read_as_none_while_the_first_vote_creates_the_database(tmp_path):
    """An export or a reader during the very first vote sees the file before its table: no votes, no error."""
    path = feedback.feedback_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(path).close()  # the file exists, its schema not yet written
    assert list(feedback.read_votes(tmp_path)) == []
