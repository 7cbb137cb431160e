"""Readers' votes on answers, one SQLite row each, in the feedback folder.

Each vote is one transaction (stdlib ``sqlite3``, write-ahead log): a failed write (full disk,
a lock held too long) leaves nothing behind, and the reader is told it was not saved. Rows hold
``{"time", "vote", "question", "answer", "refused", "citations"}`` as JSON; ``savol feedback export``
writes them out as JSON lines. The folder is created on the first vote, never at import.

Bounded, since votes come from anyone who can reach the page: each vote's size, votes per session,
votes per minute from everyone, and the database's size.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ingest.errors import SavolError

FEEDBACK_DB = "feedback.sqlite3"
VOTES = ("like", "dislike")
MAX_FIELD_CHARS = 4_000  # a question is at most 2,000 characters; an answer's text a few hundred
MAX_CITATIONS = 5  # an answer cites at most k=3 passages; more is forged
MAX_QUOTE_CHARS = 1_000  # a quote is a sentence or two
# The whole record as JSON: the cuts above keep every vote under it (real votes are 1-4 KB).
MAX_VOTE_BYTES = 32_000
MAX_VOTES_PER_SESSION = 100  # a reader votes once per answer; 50 questions per session is already a lot
MAX_VOTES_PER_MINUTE = 120  # from everyone together: two a second is far past real readers
# Past this size the database takes no more, so it can never fill the disk (~5,000+ real votes).
MAX_FEEDBACK_BYTES = 50_000_000
LOCK_WAIT_S = 5.0  # how long a vote waits for another one's transaction

_SCHEMA = """CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    session TEXT,
    record TEXT NOT NULL
)"""


class FeedbackNotSaved(SavolError):
    """The vote was not stored: the folder or database cannot be written, or a limit was reached."""


def feedback_path(feedback_dir: Path) -> Path:
    """The SQLite database votes are stored in."""
    return Path(feedback_dir) / FEEDBACK_DB


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=LOCK_WAIT_S, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(_SCHEMA)
    return conn


def _record(vote, question, answer, citations, refused) -> dict:
    cited = [
        {k: c.get(k) for k in ("n", "chunk_id", "paragraph", "quote")} for c in list(citations or [])[:MAX_CITATIONS]
    ]
    for c in cited:
        c["quote"] = str(c["quote"] or "")[:MAX_QUOTE_CHARS]
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "vote": vote,
        "question": str(question)[:MAX_FIELD_CHARS],
        "answer": str(answer)[:MAX_FIELD_CHARS],
        "refused": refused if isinstance(refused, bool) else None,
        "citations": cited,
    }


def record_vote(
    feedback_dir: Path,
    *,
    vote: str,
    question: str,
    answer: str,
    citations: list[dict] | None = None,
    refused: bool | None = None,
    session: str | None = None,
) -> dict:
    """Store one vote, in one transaction, and return the record written.

    Args:
        feedback_dir: folder of the database (``Settings.feedback_dir``).
        vote: ``"like"`` or ``"dislike"``.
        question, answer: the turn voted on, as the reader saw it (each cut to MAX_FIELD_CHARS).
        citations: ``[{n, chunk_id, paragraph, quote}, ...]`` of the answer.
        refused: whether the answer was a refusal, when known.
        session: the reader's session, for the per-session limit.

    Raises:
        ValueError: ``vote`` is not one of :data:`VOTES`.
        FeedbackNotSaved: the folder or database is not writable (full disk, permissions), the
            vote is over MAX_VOTE_BYTES, or a limit (per session, per minute, size) is reached.
    """
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}, got {vote!r}")
    record = _record(vote, question, answer, citations, refused)
    row = json.dumps(record, ensure_ascii=False)
    if len(row.encode("utf-8")) > MAX_VOTE_BYTES:
        raise FeedbackNotSaved(f"A vote of {len(row.encode('utf-8')):,} bytes was refused (limit {MAX_VOTE_BYTES:,}).")
    path = feedback_path(feedback_dir)
    now = time.time()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
        try:
            conn.execute("BEGIN IMMEDIATE")  # the checks and the insert see no other vote in between
            try:
                _check_limits(conn, path, session, now)
                conn.execute("INSERT INTO votes (at, session, record) VALUES (?, ?, ?)", (now, session, row))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise FeedbackNotSaved(
            f"Feedback could not be saved to {path} ({exc}); check that the folder is writable or set SAVOL_FEEDBACK."
        ) from None
    except OSError as exc:
        raise FeedbackNotSaved(
            f"Feedback could not be saved to {path} ({exc.strerror or type(exc).__name__}); "
            "check that the folder is writable or set SAVOL_FEEDBACK."
        ) from None
    return record


def _check_limits(conn: sqlite3.Connection, path: Path, session: str | None, now: float) -> None:
    (recent,) = conn.execute("SELECT COUNT(*) FROM votes WHERE at > ?", (now - 60,)).fetchone()
    if recent >= MAX_VOTES_PER_MINUTE:
        raise FeedbackNotSaved(f"More than {MAX_VOTES_PER_MINUTE} votes in a minute: this one was refused.")
    if session is not None:
        (mine,) = conn.execute("SELECT COUNT(*) FROM votes WHERE session = ?", (session,)).fetchone()
        if mine >= MAX_VOTES_PER_SESSION:
            raise FeedbackNotSaved(f"Session has cast {MAX_VOTES_PER_SESSION} votes: no more are taken.")
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    if pages * page_size + MAX_VOTE_BYTES > MAX_FEEDBACK_BYTES:
        raise FeedbackNotSaved(
            f"Feedback database {path} has reached {MAX_FEEDBACK_BYTES:,} bytes; "
            "export it (savol feedback export), move it away (or set SAVOL_FEEDBACK) to collect more votes."
        )


def read_votes(feedback_dir: Path) -> Iterator[dict]:
    """Every stored vote, oldest first (nothing when no vote was ever stored).

    Raises:
        FeedbackNotSaved: the database cannot be read.
    """
    path = feedback_path(feedback_dir)
    if not path.is_file():
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=LOCK_WAIT_S)
        try:
            # A first vote creates the file before its table is committed: no table yet, no votes yet.
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'votes'").fetchone():
                for (record,) in conn.execute("SELECT record FROM votes ORDER BY id"):
                    yield json.loads(record)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise FeedbackNotSaved(f"Feedback database {path} cannot be read ({exc}).") from None


def export_jsonl(feedback_dir: Path, out) -> int:
    """Write every vote as one JSON line to the text stream ``out``; the number written."""
    n = 0
    for record in read_votes(feedback_dir):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    return n
