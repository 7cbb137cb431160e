"""Readers' votes on answers, appended as JSON lines to the feedback folder.

One line per vote: ``{"time", "vote", "question", "answer", "refused", "citations"}``.
The folder is created on the first vote, never at import. Lines are written with a
single ``write`` on a file opened for appending, under an exclusive lock, so votes
from several threads or processes never interleave.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from ingest.errors import SavolError

FEEDBACK_FILE = "feedback.jsonl"
VOTES = ("like", "dislike")
MAX_FIELD_CHARS = 20_000  # a vote on a huge pasted question must not grow the log without bound
# Votes are not rate-limited (a script can send them in a loop): past this size the file
# takes no more, so it can never fill the disk. Real votes are 2-4 KB: ~15,000 of them.
MAX_FEEDBACK_BYTES = 50_000_000

_lock = threading.Lock()


class FeedbackNotSaved(SavolError):
    """The feedback folder or file cannot be written."""


def feedback_path(feedback_dir: Path) -> Path:
    """The JSONL file votes are appended to."""
    return Path(feedback_dir) / FEEDBACK_FILE


def record_vote(
    feedback_dir: Path,
    *,
    vote: str,
    question: str,
    answer: str,
    citations: list[dict] | None = None,
    refused: bool | None = None,
) -> dict:
    """Append one vote and return the record written.

    Args:
        feedback_dir: folder of the JSONL file (``Settings.feedback_dir``).
        vote: ``"like"`` or ``"dislike"``.
        question, answer: the turn voted on, as the reader saw it.
        citations: ``[{n, chunk_id, paragraph, quote}, ...]`` of the answer.
        refused: whether the answer was a refusal, when known.

    Raises:
        ValueError: ``vote`` is not one of :data:`VOTES`.
        FeedbackNotSaved: the folder or file is not writable (full disk, permissions), or the
            file has reached :data:`MAX_FEEDBACK_BYTES`.
    """
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}, got {vote!r}")
    record = {
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "vote": vote,
        "question": str(question)[:MAX_FIELD_CHARS],
        "answer": str(answer)[:MAX_FIELD_CHARS],
        "refused": refused,
        "citations": list(citations or []),
    }
    line = json.dumps(record, ensure_ascii=False) + "\n"
    path = feedback_path(feedback_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, open(path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                if os.fstat(fh.fileno()).st_size + len(line.encode("utf-8")) > MAX_FEEDBACK_BYTES:
                    raise FeedbackNotSaved(
                        f"Feedback file {path} has reached {MAX_FEEDBACK_BYTES:,} bytes; "
                        "move it away (or set SAVOL_FEEDBACK) to collect more votes."
                    )
                fh.write(line)
                fh.flush()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    except OSError as exc:
        raise FeedbackNotSaved(
            f"Feedback could not be saved to {path} ({exc.strerror or type(exc).__name__}); "
            "check that the folder is writable or set SAVOL_FEEDBACK."
        ) from None
    return record
