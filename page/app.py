"""The chat page: ask about the article, get quoted answers, read each source in context.

    python chat_app.py        # or: savol serve [--host H] [--port P]

Shaped like Gradio's own demos: :func:`respond` streams an answer, :func:`build_app`
returns the Blocks, and ``launch`` runs only from :func:`main` (``__main__`` and the CLI).
The page speaks the language of the reader's latest question; library errors become short
messages in it here, and details go to the server log only.
"""

from __future__ import annotations

import html
import itertools
import logging
from typing import Any

import gradio as gr

from answering.answer import Answer
from answering.chain import Savol
from answering.errors import BadQuestion
from answering.question import clean_history, clean_question
from ingest.corpus import list_corpus, read_source
from ingest.errors import SavolError
from ingest.settings import Settings
from ingest.text import mark_surrogates
from page.api import attach
from page.assets import PAGE_JS
from page.feedback import VOTES, FeedbackNotSaved, record_vote
from page.gradio_internals import lean_sessions, queue_event
from page.render import (
    answer_markdown,
    article_html,
    context_hint,
    context_html,
    header_html,
    question_markdown,
    question_text,
    reader_language,
    sources_html,
)
from page.text import DEFAULT_LANG, PageText, page_text

log = logging.getLogger("savol")

# What the question box holds. Far past the question limit (settings.max_question_chars), so a
# long paste is kept whole and the reader is told it is too long, instead of the browser
# cutting it silently to the limit; 100,000 characters and a long chat fit the 1 MB body limit.
MAX_TYPED_CHARS = 100_000
# Messages kept in the chat (100 turns, far past any reading session): a forged
# 10,000-turn history costs no more to answer than a long real one.
MAX_SHOWN_MESSAGES = 200
# Characters kept of each message sent back: a question is at most 2,000 and an answer with its
# sources ~10,000; a forged 900,000-character message is cut before anything reads or returns it.
MAX_MESSAGE_CHARS = 20_000

# ---------------------------------------------------------------- chat


def _text(content) -> str:
    """Plain text of a chat message's content (a string or Gradio's list of parts); a lone
    surrogate becomes U+FFFD, as Gradio cannot send it back to the browser."""
    if isinstance(content, str):
        return mark_surrogates(content)
    if isinstance(content, dict):
        text = content.get("text") if content.get("type", "text") == "text" else None
        return mark_surrogates(text) if isinstance(text, str) else ""
    if isinstance(content, (list, tuple)):
        return " ".join(_text(part) for part in content).strip()
    return ""


def plain_history(history) -> list[dict]:
    """The chat so far as text-only user and assistant messages.

    The browser sends the history back with every question, so a script can forge it:
    file and component parts (which Gradio would open) and other roles are dropped.
    """
    if not isinstance(history, (list, tuple)):
        return []
    messages = []
    for m in history:
        if isinstance(m, dict) and m.get("role") in ("user", "assistant"):
            text = _text(m.get("content"))[:MAX_MESSAGE_CHARS]
            if text:
                messages.append({"role": m["role"], "content": text})
    return messages


def _turn_record(result: Answer) -> dict:
    return {
        "question": result.question,
        "answer": result.answer,
        "refused": result.refused,
        "citations": [
            {"n": c.n, "chunk_id": c.chunk_id, "paragraph": c.paragraph, "quote": c.quote} for c in result.citations
        ],
    }


def _notice(exc: Exception, t: PageText) -> None:
    """Tell the reader (in ``t``'s language) why a question failed; the details go to the server log only."""
    if isinstance(exc, BadQuestion):
        log.info("question refused: %s", exc)
        message = f"{t.bad_question}: {t.reason(exc.reason, **exc.values) or exc}"
    elif isinstance(exc, SavolError):
        log.error("cannot answer: %s", exc)
        message = t.index_broken
    else:
        log.error("unexpected error while answering", exc_info=exc)
        message = t.unexpected
    gr.Warning(html.escape(message), title=t.warning)


def respond(message, history, turns=None, *, app: Savol):
    """Answer ``message``, streaming the answer as it grows, in the reader's language.

    Args:
        message: the question typed.
        history: the chat so far (messages format); earlier user turns make follow-ups work.
        turns: per-session records of earlier answers, keyed by message index, for feedback.
        app: the loaded :class:`Savol`.

    Yields:
        ``(textbox, history, context_panel, turns)`` after each step. The answer's own sources
        come under it with the last step; the context panel's ``lang`` sets the page's language.
    """
    history = plain_history(history)
    turns = dict(turns or {})
    lang = reader_language(message, history)
    try:
        question = clean_question(message, app.settings.max_question_chars)
        # With the answer, at most MAX_SHOWN_MESSAGES: the oldest scroll away, votes keep their answer.
        cut = max(0, len(history) + 2 - MAX_SHOWN_MESSAGES)
        shown = [*history[cut:], {"role": "user", "content": question_markdown(question)}]
        if cut:
            turns = {str(int(k) - cut): v for k, v in turns.items() if k.isdigit() and int(k) >= cut}
        yield "", shown, context_hint(lang), turns  # the question appears at once
        earlier = [question_text(m["content"]) for m in shown[:-1] if m["role"] == "user"]
        if clean_history(earlier, app.settings.max_history_turns).cut:
            t = page_text(lang)
            gr.Warning(html.escape(t.history_cut), title=t.warning)
        steps = app.stream(question, history=earlier)
        result = next(steps)
    except Exception as exc:  # the edge: a notice, the question back in the box, never a traceback
        _notice(exc, page_text(lang))
        yield _text(message) if isinstance(message, str) else "", history, gr.skip(), turns
        return
    try:
        # The box is skipped from here on: it may hold the reader's next question by now.
        for step in itertools.chain([result], steps):
            result = step
            answer = answer_markdown(result, lang)
            yield gr.skip(), [*shown, {"role": "assistant", "content": answer}], gr.skip(), turns
    except Exception as exc:  # the LLM answerer falls back by itself; this is the last guard
        _notice(exc, page_text(lang))
        return
    turns[str(len(shown))] = _turn_record(result)  # keyed by the answer's message index, for votes
    sources = sources_html(result, lang, titles=app.store.manifest["counts"]["files"] > 1)
    final = f"{answer}\n\n{sources}" if sources else answer
    yield gr.skip(), [*shown, {"role": "assistant", "content": final}], gr.skip(), turns


def vote_index(index) -> int | None:
    """The message index a vote names (Gradio sends an int, or ``[row, column]``); None when forged."""
    if isinstance(index, (list, tuple)) and index:
        index = index[0]
    return index if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 10_000 else None


def on_like(history, turns, data: gr.LikeData, *, feedback_dir, session: str | None = None):
    """Store the reader's vote on one answer; warn (never fail) if it cannot be."""
    vote = {True: "like", False: "dislike"}.get(data.liked, str(data.liked).lower())
    index = vote_index(data.index)
    if vote not in VOTES or index is None:
        log.info("malformed vote refused: liked=%.40r index=%.40r", data.liked, data.index)
        return
    record = (turns or {}).get(str(index)) if isinstance(turns, dict) else None
    if record is None:  # an answer from before a reload: keep what the page still shows
        shown = plain_history(history)
        question = next((m["content"] for m in reversed(shown[:index]) if m["role"] == "user"), "")
        record = {"question": question_text(question), "answer": _text(data.value), "refused": None, "citations": []}
    try:
        record_vote(feedback_dir, vote=vote, session=session, **record)
    except FeedbackNotSaved as exc:
        log.warning("%s", exc)
        t = page_text(reader_language(None, plain_history(history)))
        gr.Warning(html.escape(t.feedback_failed), title=t.warning)


def example_questions(sources) -> list[str]:
    """The questions the page offers to click: those the articles' ``.meta.json`` give."""
    return list(dict.fromkeys(q for source in sources for q in source.meta.examples))


def build_app(app: Savol | None = None) -> gr.Blocks:
    """The chat page over ``app`` (built from the environment when None), queued with safe limits."""
    app = app or Savol(Settings.from_env())
    app.ensure_index()
    settings = app.settings

    def ask(question: str, history: list[str] | None = None) -> dict[str, Any]:
        """Answer a question about the article; the JSON object of `savol ask --json`."""
        # print_exception=False: Gradio would print a traceback for each error; the log gets one line.
        try:
            return app.ask(question, history=history).to_dict()
        except BadQuestion as exc:
            log.info("question refused: %s", exc)
            raise gr.Error(str(exc), print_exception=False) from None
        except SavolError as exc:
            log.error("cannot answer: %s", exc)
            raise gr.Error(
                "The index cannot serve; ask the operator to run: savol ingest --rebuild", print_exception=False
            ) from None
        except Exception:
            log.exception("unexpected error in /ask")
            raise gr.Error("Unexpected server error; try again.", print_exception=False) from None

    t = page_text(DEFAULT_LANG)  # until the reader asks: then their language (PAGE_JS, respond)
    articles = [read_source(path) for path in list_corpus(settings.corpus_dir)]
    with gr.Blocks(title=t.title, analytics_enabled=False) as demo:
        gr.HTML(
            header_html(app.store, articles, settings.article_url) + article_html(articles),
            elem_id="savol-header",
            js_on_load=None,
        )
        turns = gr.State({})
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chatbot = gr.Chatbot(
                    elem_id="savol-chat",
                    show_label=False,
                    height="min(62vh, 640px)",
                    min_height=280,
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                )
                box = gr.Textbox(
                    show_label=False,
                    placeholder=t.placeholder,
                    submit_btn=True,
                    autofocus=True,
                    max_length=MAX_TYPED_CHARS,
                    elem_id="savol-box",
                )
                gr.HTML(
                    '<p class="savol-queued" aria-live="polite" hidden></p>', elem_id="savol-notice", js_on_load=None
                )
                questions = example_questions(articles)
                examples = (
                    gr.Examples(
                        [[q] for q in questions],
                        inputs=[box],
                        label=t.examples,
                        elem_id="savol-examples",
                        api_visibility="private",
                    )
                    if questions
                    else None
                )
            with gr.Column(scale=2, min_width=280):
                context = gr.HTML(context_hint(DEFAULT_LANG), elem_id="savol-context", js_on_load=PAGE_JS)

        def chat(message, history, turns):
            yield from respond(message, history, turns, app=app)

        def like(history, turns, data: gr.LikeData, request: gr.Request):
            on_like(history, turns, data, feedback_dir=settings.feedback_dir, session=request.session_hash)

        def passage(evt: gr.EventData) -> str:
            """The passage a clicked marker or source card points at, between its neighbours, in the
            language the page shows."""
            return context_html(app.store, getattr(evt, "cite", ""), getattr(evt, "lang", DEFAULT_LANG))

        # preprocess=False: the history reaches `respond` as validated JSON. Gradio's own
        # preprocessing would instantiate any component a forged message names (an Image
        # opens its `path`); `plain_history` keeps only the text.
        # always_last: a question sent while an answer is being written is sent when it ends.
        chat_io = {
            "inputs": [box, chatbot, turns],
            "outputs": [box, chatbot, context, turns],
            "preprocess": False,
            "trigger_mode": "always_last",
        }
        box.submit(chat, **chat_io, api_name="chat", api_visibility="undocumented")
        if examples is not None:
            examples.load_input_event.then(chat, **chat_io, api_visibility="private")
            # Gradio runs an example click outside the queue (POST run/predict). Queued like every
            # other event, no handler runs on a direct POST: api_open=False refuses them all.
            queue_event(demo, examples.load_input_event)
        chatbot.like(like, [chatbot, turns], None, api_visibility="private", preprocess=False)
        chatbot.clear(lambda: ({}, context_hint(DEFAULT_LANG)), None, [turns, context], api_visibility="private")
        context.click(passage, None, context, api_visibility="private", show_progress="hidden")  # PAGE_JS scrolls
        gr.api(ask, api_name="ask")

    lean_sessions(demo)
    attach(demo, app)  # POST /api/ask (page/api.py), outside the queue
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.queue_size, api_open=False)
    return demo
