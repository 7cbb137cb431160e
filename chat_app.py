"""The chat page: ask about the article, get quoted answers, read each source in context.

    python chat_app.py        # or: savol serve [--host H] [--port P]

Shaped like Gradio's own demos: :func:`respond` streams an answer, :func:`build_app`
returns the Blocks, and ``launch`` runs only from :func:`main` (``__main__`` and the CLI).
Library errors become short Uzbek messages here; details go to the server log only.
"""

from __future__ import annotations

import html
import itertools
import json
import logging
import re
import sys
from typing import Any

import gradio as gr

from savol.answer import Answer
from savol.chain import Savol
from savol.errors import BadQuestion, SavolError
from savol.feedback import FeedbackNotSaved, record_vote
from savol.question import clean_question
from savol.settings import Settings

log = logging.getLogger("savol")

CLOSEST_SHOWN = 3  # passages shown beside a refusal, so the reader can check for themselves
MAX_FILE_SIZE = "1kb"  # the page takes no files; this caps what /gradio_api/upload accepts
# A long chat sends its whole history with each question: 100 turns are ~200 KB. Anything
# much bigger is not a reader, and is refused before Gradio parses (or logs) it.
MAX_REQUEST_BYTES = 1_000_000
# Sessions whose state (per-reader answers for feedback) is kept; the oldest is dropped
# past this. Gradio keeps ~35 KB per session, and every `/ask` call without a session is
# a new one: its default of 10,000 lets a script grow the server by ~350 MB.
MAX_SESSIONS = 1000
# Messages kept in the chat (100 turns, far past any reading session): a forged
# 10,000-turn history costs no more to answer than a long real one.
MAX_SHOWN_MESSAGES = 200
# The corpus header carries title and date only; the outlet is named in the file name.
PUBLISHERS = {"kazinform": "Kazinform"}

EXAMPLES = [
    "Тоқаев Токиода ким билан учрашди?",
    "Hitachi Construction Machinery нима қилади?",
    "Yaponiya Qozog‘istonga qancha sarmoya kiritdi?",
    "Кто губернатор Токио?",
    "How much has Japan invested in Kazakhstan?",
]

# Interface text (Uzbek, Cyrillic).
TITLE = "Савол — мақола бўйича савол-жавоб"
LEAD = "Мақола ҳақида сўранг: ҳар бир жавоб мақоладан олинган иқтибос, [1] [2] белгилари манбага олиб боради."
PLACEHOLDER = "Савол ёзинг (ўзбекча, русча ёки инглизча)…"
SOURCES_HINT = "Жавоб манбалари шу ерда кўринади: ҳар бир парча, иқтибос белгиланган ҳолда."
CONTEXT_HINT = "[1] белгисини ёки манбани босинг: парча мақоладаги қўшни хатбошилари билан шу ерда очилади."
CITED = "Манбалар"
CLOSEST = "Мақолада жавоб топилмади. Энг яқин парчалар:"
IN_CONTEXT = "Матн ичида"
OPEN = "Матн ичида кўриш"
PARAGRAPH = "{}-хатбоши"
SOURCE = "Манба"
BAD_QUESTION = "Савол қабул қилинмади"
INDEX_BROKEN = (
    "Жавоб бериб бўлмади: индекс ишламаяпти. Администратор «savol ingest --rebuild» буйруғини ишга туширсин."
)
UNEXPECTED = "Кутилмаган хато юз берди; саволни қайта юборинг."
GONE = "Бу парча энди индексда йўқ (мақола қайта индексланган); саволни қайта беринг."
FEEDBACK_FAILED = "Фикрингиз сақланмади (feedback could not be saved); саҳифа ишлашда давом этади."
WARNING = "Огоҳлантириш"
NOTE = "Изоҳ"
SOURCES_EMPTY = f'<div class="savol-panel"><p class="savol-hint">{SOURCES_HINT}</p></div>'
CONTEXT_EMPTY = f'<div class="savol-panel"><p class="savol-hint">{CONTEXT_HINT}</p></div>'

_CITE = re.compile(r"^#?cite-([0-9a-f]{1,64})((?:-\d{1,7}-\d{1,7}){0,8})$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")

# Gradio scopes `css` to the content area; the page's own side padding (32 px, a lot on a
# phone) sits outside it, so that one rule goes into <head> unscoped.
HEAD = "<style>@media (max-width: 640px) { .gradio-container .main { padding: 0 8px; } }</style>"

# Clicks on a marker in the chat or on a source card ask the server for the passage in
# context. One document-level listener, registered once; `trigger` is refreshed on reload.
CITE_JS = """
window.savolCite = (cite) => trigger('click', {cite: cite});
if (!window.savolCiteListener) {
  window.savolCiteListener = true;
  document.addEventListener('click', (event) => {
    const el = event.target.closest('a[href^="#cite-"], [data-cite]');
    if (!el) return;
    event.preventDefault();
    event.stopPropagation();
    window.savolCite(el.dataset.cite || el.getAttribute('href').slice(1));
  }, true);
}
"""

CSS = """
#savol-header h1 { font-size: clamp(1.05rem, 0.9rem + 1.2vw, 1.6rem); line-height: 1.3; margin: 0 0 .35rem;
                   overflow-wrap: anywhere; }
#savol-header p { margin: .15rem 0; color: var(--body-text-color-subdued); }
#savol-header .savol-lead { color: var(--body-text-color); }
#savol-chat a[href^="#cite-"] { text-decoration: none; font-weight: 600; white-space: nowrap;
                                color: var(--color-accent); }
.savol-panel h3 { font-size: 1rem; margin: 0 0 .5rem; }
.savol-hint { color: var(--body-text-color-subdued); margin: .25rem 0; }
.savol-src { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
             padding: .6rem .75rem; margin: 0 0 .6rem; cursor: pointer; }
.savol-src:hover { border-color: var(--color-accent); }
.savol-src-head { all: unset; display: block; cursor: pointer; font-size: .85rem; opacity: .8;
                  overflow-wrap: anywhere; }
.savol-src-head:focus-visible { outline: 2px solid var(--color-accent); }
.savol-src-head b { color: var(--color-accent); }
.savol-passage, .savol-around, .savol-focus { white-space: pre-line; overflow-wrap: anywhere; margin: .4rem 0 0; }
.savol-around { opacity: .72; font-size: .92rem; }
.savol-focus { border-left: 3px solid var(--color-accent); padding-left: .6rem; }
.savol-panel mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 2px; }
"""


# ---------------------------------------------------------------- HTML pieces


def _highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` escaped for HTML with each ``(start, end)`` span wrapped in <mark>."""
    out, at = [], 0
    for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if start < at:
            continue
        out += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def _cite_ref(chunk_id: str, spans: list[tuple[int, int]]) -> str:
    return "cite-" + chunk_id + "".join(f"-{s}-{e}" for s, e in spans)


def _card(label: str, chunk_id: str, title: str, date: str, paragraph, text: str, spans) -> str:
    ref = html.escape(_cite_ref(chunk_id, spans))
    meta = " · ".join(html.escape(str(x)) for x in (title, date, PARAGRAPH.format(paragraph)) if x)
    return (
        f'<article class="savol-src" data-cite="{ref}">'
        f'<button type="button" class="savol-src-head" data-cite="{ref}" title="{OPEN}">'
        f"<b>{html.escape(label)}</b> {meta}</button>"
        f'<p class="savol-passage">{_highlight(text, spans)}</p></article>'
    )


def sources_html(result: Answer) -> str:
    """The sources panel: each cited passage with its quotes marked, or the closest passages."""
    if result.refused:
        cards = [
            _card("•", d.metadata["chunk_id"], d.metadata["title"], d.metadata["date"],
                  d.metadata["paragraph"], d.page_content, [])
            for d in result.retrieved[:CLOSEST_SHOWN]
        ]
        heading = CLOSEST
    else:
        by_n: dict[int, list] = {}
        for c in result.citations:
            by_n.setdefault(c.n, []).append(c)
        cards = []
        for n, group in sorted(by_n.items()):
            spans = [(c.quote_start, c.quote_end) for c in group]
            first = group[0]
            cards.append(_card(f"[{n}]", first.chunk_id, first.title, first.date, first.paragraph, first.text,
                               spans))
        heading = CITED
    return f'<div class="savol-panel"><h3>{heading}</h3>{"".join(cards)}</div>'


def context_html(store, cite: str) -> str:
    """A passage between its neighbours in the article, its quotes marked; ``cite`` as in the links."""
    match = _CITE.match(cite or "")
    by_id = {c["id"]: i for i, c in enumerate(store.chunks)}
    if not match or match.group(1) not in by_id:
        return f'<div class="savol-panel"><p class="savol-hint">{GONE}</p></div>'
    i = by_id[match.group(1)]
    chunk = store.chunks[i]
    numbers = [int(x) for x in match.group(2).split("-")[1:]]
    spans = list(zip(numbers[::2], numbers[1::2]))
    parts = []
    prev = store.chunks[i - 1] if i > 0 else None
    if prev and prev["source"] == chunk["source"]:
        # Chunks may overlap by a sentence: show only what comes before this passage.
        before = prev["text"][: max(0, chunk["start"] - prev["start"])].strip()
        parts.append(f'<p class="savol-around">{html.escape(before)}</p>' if before else "")
    parts.append(f'<p class="savol-focus">{_highlight(chunk["text"], spans)}</p>')
    nxt = store.chunks[i + 1] if i + 1 < len(store.chunks) else None
    if nxt and nxt["source"] == chunk["source"]:
        after = nxt["text"][max(0, chunk["end"] - nxt["start"]):].strip()
        parts.append(f'<p class="savol-around">{html.escape(after)}</p>' if after else "")
    paragraphs = chunk.get("paragraphs") or [chunk["paragraph"]]
    where = PARAGRAPH.format(paragraphs[0] if len(paragraphs) == 1 else f"{paragraphs[0]}–{paragraphs[-1]}")
    return f'<div class="savol-panel"><h3>{IN_CONTEXT}: {where}</h3>{"".join(parts)}</div>'


def header_html(store) -> str:
    """Title, date and outlet of each article in the index."""
    seen, lines = set(), []
    for c in store.chunks:
        if c["source"] in seen:
            continue
        seen.add(c["source"])
        outlet = next((name for key, name in PUBLISHERS.items() if key in c["source"].lower()), c["source"])
        lines.append(
            f"<h1>{html.escape(c['title'])}</h1>"
            f"<p>{html.escape(c['date'])} · {SOURCE}: {html.escape(outlet)}</p>"
        )
    return "".join(lines) + f'<p class="savol-lead">{html.escape(LEAD)}</p>'


# ---------------------------------------------------------------- chat


def _text(content) -> str:
    """Plain text of a chat message's content (a string or Gradio's list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return content.get("text", "") if content.get("type", "text") == "text" else ""
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
            text = _text(m.get("content"))
            if text:
                messages.append({"role": m["role"], "content": text})
    return messages


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def answer_steps(result: Answer) -> list[str]:
    """The answer as growing Markdown, one step per quoted sentence; markers link to passages."""
    if result.refused or not result.sentences:
        return [_md(result.answer)]
    parts, steps = [], []
    for quote, n in result.sentences:
        cite = next((c for c in result.citations if c.n == n and c.quote == quote), None)
        marker = f"\\[{n}\\]"
        if cite:
            marker = f"[{marker}](#{_cite_ref(cite.chunk_id, [(cite.quote_start, cite.quote_end)])})"
        parts.append(f"{_md(quote)} {marker}")
        steps.append(" ".join(parts))
    return steps


def answer_markdown(result: Answer) -> str:
    """Any answer (an LLM's too, partial or final) as Markdown: each marker links to its
    passage with the supported quotes marked; notes (fallbacks, unverified sentences) below."""
    text = _md(result.answer)
    for n in sorted({c.n for c in result.citations}):
        group = [c for c in result.citations if c.n == n]
        spans = [(c.quote_start, c.quote_end) for c in group if c.quote and c.supported is not False]
        text = text.replace(f"\\[{n}\\]", f"[\\[{n}\\]](#{_cite_ref(group[0].chunk_id, spans)})")
    if result.warnings:
        text += "\n\n" + "\n".join(f"> {NOTE}: {_md(w)}" for w in result.warnings)
    return text


def _turn_record(result: Answer) -> dict:
    return {
        "question": result.question,
        "answer": result.answer,
        "refused": result.refused,
        "citations": [
            {"n": c.n, "chunk_id": c.chunk_id, "paragraph": c.paragraph, "quote": c.quote}
            for c in result.citations
        ],
    }


def _notice(exc: Exception) -> str:
    """What a reader is told when a question fails; the details go to the server log only."""
    if isinstance(exc, BadQuestion):
        return f"{BAD_QUESTION}: {exc.reader_message}"
    if isinstance(exc, SavolError):
        log.error("cannot answer: %s", exc)
        return INDEX_BROKEN
    log.error("unexpected error while answering", exc_info=exc)
    return UNEXPECTED


def respond(message, history, turns=None, *, app: Savol):
    """Answer ``message``, streaming the answer sentence by sentence.

    Args:
        message: the question typed.
        history: the chat so far (messages format); earlier user turns make follow-ups work.
        turns: per-session records of earlier answers, keyed by message index, for feedback.
        app: the loaded :class:`Savol`.

    Yields:
        ``(textbox, history, sources_html, turns)`` after each step.
    """
    history = plain_history(history)
    turns = dict(turns or {})
    try:
        question = clean_question(message, app.settings.max_question_chars)
        # With the answer, at most MAX_SHOWN_MESSAGES: the oldest scroll away, votes keep their answer.
        cut = max(0, len(history) + 2 - MAX_SHOWN_MESSAGES)
        shown = history[cut:] + [{"role": "user", "content": question}]
        if cut:
            turns = {str(int(k) - cut): v for k, v in turns.items() if k.isdigit() and int(k) >= cut}
        yield "", shown, gr.skip(), turns  # the question appears at once
        earlier = [m["content"] for m in shown[:-1] if m["role"] == "user"]
        if app.answerer_name == "extractive":
            stream, result = None, app.ask(question, history=earlier)
        else:  # an LLM writes: show its tokens as they come
            stream = app.stream(question, history=earlier)
            result = next(stream)
    except Exception as exc:  # the edge: a notice, the question back in the box, never a traceback
        gr.Warning(html.escape(_notice(exc)), title=WARNING)
        yield (message if isinstance(message, str) else ""), history, gr.skip(), turns
        return
    key = str(len(shown))  # the answer's message index, for votes
    if stream is None:
        turns[key] = _turn_record(result)
        sources = sources_html(result)
        for step in answer_steps(result):  # unchanged outputs cost nothing: Gradio streams diffs
            yield "", shown + [{"role": "assistant", "content": step}], sources, turns
        return
    try:
        for result in itertools.chain([result], stream):
            yield "", shown + [{"role": "assistant", "content": answer_markdown(result)}], sources_html(result), turns
    except Exception as exc:  # the LLM answerer falls back by itself; this is the last guard
        gr.Warning(html.escape(_notice(exc)), title=WARNING)
        return
    turns[key] = _turn_record(result)
    yield "", shown + [{"role": "assistant", "content": answer_markdown(result)}], sources_html(result), turns


def on_like(history, turns, data: gr.LikeData, *, feedback_dir):
    """Append the reader's vote on one answer to the feedback JSONL; warn (never fail) if it cannot."""
    vote = {True: "like", False: "dislike"}.get(data.liked, str(data.liked).lower())
    if vote not in ("like", "dislike"):
        return
    index = data.index if isinstance(data.index, int) else data.index[0]
    record = (turns or {}).get(str(index))
    if record is None:  # an answer from before a reload: keep what the page still shows
        history = list(history or [])
        question = next(
            (_text(m.get("content")) for m in reversed(history[:index]) if m.get("role") == "user"), ""
        )
        record = {"question": question, "answer": _text(data.value), "refused": None, "citations": []}
    try:
        record_vote(feedback_dir, vote=vote, **record)
    except FeedbackNotSaved as exc:
        log.warning("%s", exc)
        gr.Warning(FEEDBACK_FAILED, title=WARNING)


def build_app(app: Savol | None = None) -> gr.Blocks:
    """The chat page over ``app`` (built from the environment when None), queued with safe limits."""
    app = app or Savol(Settings.from_env())
    app.ensure_index()
    settings = app.settings

    def ask(question: str, history: list[str] | None = None) -> dict[str, Any]:
        """Answer a question about the article; the JSON object of `savol ask --json`."""
        try:
            return app.ask(question, history=history).to_dict()
        except BadQuestion as exc:
            raise gr.Error(str(exc)) from None
        except SavolError as exc:
            log.error("cannot answer: %s", exc)
            raise gr.Error("The index cannot serve; ask the operator to run: savol ingest --rebuild") from None
        except Exception:
            log.exception("unexpected error in /ask")
            raise gr.Error("Unexpected server error; try again.") from None

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(header_html(app.store), elem_id="savol-header", js_on_load=None)
        turns = gr.State({})
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chatbot = gr.Chatbot(
                    elem_id="savol-chat", show_label=False, height="min(62vh, 640px)", min_height=280,
                    placeholder=LEAD, buttons=["copy"], feedback_options=("Like", "Dislike"),
                )
                box = gr.Textbox(
                    show_label=False, placeholder=PLACEHOLDER, submit_btn=True, autofocus=True,
                    max_length=settings.max_question_chars, elem_id="savol-box",
                )
                examples = gr.Examples([[q] for q in EXAMPLES], inputs=[box], label="Намуна саволлар",
                                       api_visibility="private")
            with gr.Column(scale=2, min_width=280):
                sources = gr.HTML(SOURCES_EMPTY, elem_id="savol-sources", js_on_load=None)
                context = gr.HTML(CONTEXT_EMPTY, elem_id="savol-context", js_on_load=CITE_JS)

        def chat(message, history, turns):
            yield from respond(message, history, turns, app=app)

        def like(history, turns, data: gr.LikeData):
            on_like(history, turns, data, feedback_dir=settings.feedback_dir)

        def passage(evt: gr.EventData) -> str:
            """The passage a clicked marker or source card points at, between its neighbours."""
            return context_html(app.store, getattr(evt, "cite", ""))

        # preprocess=False: the history reaches `respond` as validated JSON. Gradio's own
        # preprocessing would instantiate any component a forged message names (an Image
        # opens its `path`); `plain_history` keeps only the text.
        chat_io = dict(inputs=[box, chatbot, turns], outputs=[box, chatbot, sources, turns], preprocess=False)
        box.submit(chat, **chat_io, api_name="chat", api_visibility="undocumented")
        examples.load_input_event.then(chat, **chat_io, api_visibility="private")
        chatbot.like(like, [chatbot, turns], None, api_visibility="private", preprocess=False)
        chatbot.clear(lambda: ({}, SOURCES_EMPTY, CONTEXT_EMPTY), None, [turns, sources, context],
                      api_visibility="private")
        context.click(passage, None, context, api_visibility="private", scroll_to_output=True,
                      show_progress="hidden")
        gr.api(ask, api_name="ask")

    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.queue_size, api_open=False)
    return demo


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 before anything parses it."""

    def __init__(self, app, max_bytes: int = MAX_REQUEST_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._refuse(send)
        received = 0

        async def counted():  # a chunked body has no length up front: count as it arrives
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    from fastapi import HTTPException

                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return f"Request body is larger than {self.max_bytes:,} bytes; send a shorter question or history."

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": self._message()}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def launch_options(settings: Settings) -> dict:
    """``demo.launch`` arguments with safe defaults: local bind, no SSR, no extra file paths."""
    from starlette.middleware import Middleware

    return dict(
        server_name=settings.host, server_port=settings.port, auth=settings.auth_pair(), ssr_mode=False,
        show_error=False, css=CSS, head=HEAD, max_file_size=MAX_FILE_SIZE, strict_cors=True,
        enable_monitoring=False, mcp_server=False, pwa=False, run_history=False,
        state_session_capacity=MAX_SESSIONS, app_kwargs={"middleware": [Middleware(BodyLimit)]},
    )


def main(settings: Settings | None = None) -> int:
    """Build the index if missing, then serve the page until interrupted; the exit code."""
    try:
        settings = settings or Settings.from_env()
        options = launch_options(settings)  # a bad SAVOL_AUTH fails before any model loads
        app = Savol(settings)
        if app.ensure_index() is not None:
            print(f"savol: built the index in {settings.index_dir}", file=sys.stderr)
        app.warm_up()
        build_app(app).launch(**options)
    except SavolError as exc:
        print(f"savol: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # port taken, address not available
        print(f"savol: cannot serve on {settings.host}:{settings.port} ({exc}); pick another --port.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
