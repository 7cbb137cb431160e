"""Bounded work per request (issue 17, item 1): no question or history costs more than a few normal ones.

`python -m eval.hostile` measures the server under 1,000 hostile sessions; these tests pin the
bounds that make it hold: what the model, BM25 and the history reader may be given.
"""

from __future__ import annotations

import pytest

import page.app as page_app
from answering.question import MAX_HISTORY_CHARS, MAX_TURN_CHARS, clean_history
from page.text import TEXTS
from retriever.hybrid import MAX_QUERY_CHARS, MAX_QUERY_TERMS, MAX_QUERY_TOKENS, Query

GOOD = "Кто губернатор Токио?"
GOVERNOR = "Юрико Коикэ"
ONE_WORD = ("Токио " * 400)[:1999]  # 2,000 characters of one repeated word: under the question limit


def test_a_huge_history_turn_is_cut_and_the_cut_is_reported():
    """A 900,000-character turn is read as its first MAX_TURN_CHARS characters, and says it was cut."""
    history = clean_history(["я " * 450_000], max_turns=4)
    assert len(history.turns) == 1 and len(history.turns[0]) <= MAX_TURN_CHARS
    assert history.cut


def test_the_whole_history_is_bounded_keeping_the_latest_turns():
    """Many long turns: the latest are kept, within MAX_HISTORY_CHARS all together."""
    turns = [f"turn {i} " + "x" * (MAX_TURN_CHARS - 10) for i in range(10)]
    history = clean_history(turns, max_turns=10)
    assert sum(len(t) for t in history.turns) <= MAX_HISTORY_CHARS
    assert history.turns[-1].startswith("turn 9") and history.cut


def test_a_normal_history_is_not_reported_cut():
    """Real turns pass unchanged; dropping turns past ``max_turns`` is the usual reading, not a cut."""
    history = clean_history([f"Question {i}?" for i in range(8)], max_turns=4)
    assert history.turns == [f"Question {i}?" for i in range(4, 8)] and not history.cut


def test_a_query_is_clipped_for_every_reader():
    """BM25, the reranker and the model all read the Query: its texts are bounded at creation."""
    query = Query(ONE_WORD, "я" * 5000)
    assert len(query.text) <= MAX_QUERY_CHARS and len(query.context) <= 2 * MAX_QUERY_CHARS


@pytest.mark.parametrize(
    "question, history",
    [pytest.param(ONE_WORD, None, id="2000-char-question"), pytest.param(GOOD, ["я" * 2000], id="2000-char-turn")],
)
def test_the_model_reads_a_bounded_number_of_tokens(app, model_calls, monkeypatch, question, history):
    """Embedding and latent terms each read at most MAX_QUERY_TOKENS tokens, whatever was sent
    (2,000 tokens took seconds each; a normal question is 10-25)."""
    latent_texts: list[str] = []
    real = app.embedder.latent_terms
    monkeypatch.setattr(app.embedder, "latent_terms", lambda texts: latent_texts.extend(texts) or real(texts))
    app.ask(question, history=history)
    embedded = [t for batch in model_calls for t in batch]
    assert embedded
    for text in embedded + latent_texts:
        assert app.embedder.count_tokens(text) <= MAX_QUERY_TOKENS


def test_a_normal_question_is_read_whole(app, model_calls):
    """The bounds cut nothing from a real question: it is embedded as it was asked."""
    assert GOVERNOR in app.ask(GOOD).answer
    assert any("губернатор Токио" in t for batch in model_calls for t in batch)


def test_bm25_reads_a_bounded_number_of_terms(app):
    """BM25's cost grows with the question's terms: at most MAX_QUERY_TERMS are scored."""
    assert len(app.retriever.lexical_tokens(" ".join(f"soz{i}" for i in range(500)))) == MAX_QUERY_TERMS


def test_the_page_tells_the_reader_the_history_was_cut(app):
    """A forged 900,000-character turn is cut, the reader is told in their language, and the
    question is still answered; the chat sent back holds the cut message, not the whole."""
    history = [{"role": "user", "content": "я " * 450_000}, {"role": "assistant", "content": "Ответ."}]
    with pytest.warns(UserWarning, match=TEXTS["ru"].history_cut):
        steps = list(page_app.respond(GOOD, history, app=app))
    shown = steps[-1][1]
    assert GOVERNOR in shown[-1]["content"]
    assert all(len(page_app._text(m["content"])) <= page_app.MAX_MESSAGE_CHARS for m in shown)
