"""Checking a reader's question, and the chat history sent with it, before any model sees it."""

from __future__ import annotations

from dataclasses import dataclass

from answering.errors import BadQuestion
from ingest.settings import MAX_QUESTION_CHARS
from ingest.text import has_surrogates, strip_invisible

# A history turn is read only to make sense of a short follow-up, with the question, and the
# retriever reads at most ~300 characters of any text it searches for (retriever.hybrid.MAX_QUERY_CHARS):
# past this a turn costs work and memory and adds nothing. Real questions are under 130 characters.
MAX_TURN_CHARS = 300
# All the turns kept together: four full turns. A forged history cannot cost more than a real one.
MAX_HISTORY_CHARS = 1_200


@dataclass(frozen=True)
class History:
    """The earlier user turns the chain may read, and whether some of what was sent was cut."""

    turns: list[str]
    cut: bool = False  # a turn was shortened, or dropped to keep the whole under MAX_HISTORY_CHARS


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


def clean_history(
    history, max_turns: int, max_chars: int = MAX_TURN_CHARS, max_total: int = MAX_HISTORY_CHARS
) -> History:
    """The last ``max_turns`` user turns, each cut to ``max_chars`` and all together to ``max_total``
    (the latest turns are kept); anything that is not text is dropped.

    Older turns past ``max_turns`` are left out as usual (only the last one is ever read); a turn
    shortened, or dropped for the total, sets :attr:`History.cut` so a face can tell the reader.
    """
    if not isinstance(history, (list, tuple)):
        return History([])
    # Each turn is sliced before it is cleaned: a 900,000-character turn costs no more than a short one.
    raw = list(history)[-max_turns:]
    turns, cut, total = [], False, 0
    for turn in reversed(raw):
        if not isinstance(turn, str) or has_surrogates(turn[: 4 * max_chars]):
            continue
        text = " ".join(strip_invisible(turn[: 4 * max_chars]).split())
        if len(text) > max_chars:
            text, cut = text[:max_chars].rstrip(), True
        if not text:
            continue
        if total + len(text) > max_total:
            cut = True
            break
        turns.append(text)
        total += len(text)
    return History(turns[::-1], cut)
