"""Checking a reader's question before any model sees it."""

from __future__ import annotations

from answering.errors import BadQuestion
from ingest.settings import MAX_QUESTION_CHARS
from ingest.text import has_surrogates, strip_invisible


def clean_question(question, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question with invisible characters removed and whitespace collapsed.

    Raises:
        BadQuestion: not text, undecodable bytes, empty once cleaned, or too long.
    """
    if question is None or not isinstance(question, str):
        raise BadQuestion("The question must be text; type a question about the article.", reason="not_text")
    if has_surrogates(question):
        raise BadQuestion(
            "The question has bytes that are not valid UTF-8; retype it or re-save it as UTF-8.", reason="not_utf8"
        )
    text = " ".join(strip_invisible(question).split())
    if not text:
        raise BadQuestion("The question is empty; type a question about the article.", reason="empty")
    if len(text) > max_chars:
        raise BadQuestion(
            f"The question is {len(text):,} characters long; the limit is {max_chars:,}. Shorten it.",
            reason="too_long",
            values={"length": len(text), "limit": max_chars},
        )
    return text


def clean_history(history, max_turns: int, max_chars: int = MAX_QUESTION_CHARS) -> list[str]:
    """Earlier user turns, bounded in number and length; anything that is not text is dropped."""
    if not isinstance(history, (list, tuple)):
        return []
    turns = []
    for turn in list(history)[-max_turns:]:
        if isinstance(turn, str) and not has_surrogates(turn):
            text = " ".join(strip_invisible(turn).split())[:max_chars]
            if text:
                turns.append(text)
    return turns
