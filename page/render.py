"""What the chat page shows, in the reader's language: the HTML and Markdown of answers with their
own sources, passages in context, the header and the whole article. Everything from the article
or the reader is escaped here. The words are in :mod:`page.text`, style and script in
:mod:`page.assets`."""

from __future__ import annotations

import bisect
import html
import re
from urllib.parse import urlparse

from answering.answer import Answer
from ingest.corpus import SourceFile, dateline_outlet
from ingest.lang import detect_language
from ingest.records import Passage
from ingest.store import Store
from page.text import DEFAULT_LANG, TEXTS, page_lang, page_text

CLOSEST_SHOWN = 3  # passages shown beside a refusal, so the reader can check for themselves
# A source card shows at most this much of its passage (around the quotes): every answer's sources
# travel back with the chat history on each question, which the server caps at 1 MB.
SOURCE_CHARS = 700
SOURCE_MARGIN = 150  # characters kept before the first quote when a passage is cut

_CITE = re.compile(r"^#?cite-([0-9a-f]{1,64})((?:-\d{1,7}-\d{1,7}){0,8})$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&])")
_ASCII_PUNCTUATION = r"[!-/:-@\[-`{-~]"


# ---------------------------------------------------------------- the reader's question


def question_markdown(question: str) -> str:
    """The reader's question as Markdown that renders exactly as typed: every ASCII punctuation
    mark is escaped, so no tag, image, link, autolink, entity or list can form."""
    return re.sub(f"({_ASCII_PUNCTUATION})", r"\\\1", question)


def question_text(markdown: str) -> str:
    """The question back from :func:`question_markdown` (what the chat history holds)."""
    return re.sub(rf"\\({_ASCII_PUNCTUATION})", r"\1", markdown)


def reader_language(message, history: list[dict]) -> str:
    """The language of the reader's latest question: this one, or when it has no letters (empty,
    invisible characters only) the last one in ``history``; Uzbek Cyrillic before any."""
    earlier = [question_text(m["content"]) for m in reversed(history) if m["role"] == "user"]
    for text in [message, *earlier]:
        if isinstance(text, str) and any(c.isalpha() for c in text):
            return detect_language(text)
    return DEFAULT_LANG


# ---------------------------------------------------------------- answers and their sources


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


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


def answer_markdown(result: Answer, lang: str) -> str:
    """Any answer (an LLM's too, partial or final) as Markdown: each marker links to its passage
    with the supported quotes marked; notes (fallbacks, unverified sentences) below."""
    text = _md(result.answer)
    for n in sorted({c.n for c in result.citations}):
        group = [c for c in result.citations if c.n == n]
        spans = [(c.quote_start, c.quote_end) for c in group if c.quote and c.supported is not False]
        text = text.replace(f"\\[{n}\\]", f"[\\[{n}\\]](#{_cite_ref(group[0].chunk_id, spans)})")
    if result.translation:
        text += "\n\n" + translation_html(result.translation, result.translation_lang or lang, lang)
    if result.warnings:
        note = page_text(lang).note
        text += "\n\n" + "\n".join(f"> {note}: {_md(w)}" for w in result.warnings)
    return text


def translation_html(text: str, text_lang: str, lang: str, tag: str = "div") -> str:
    """A translation, marked as one (its label in the page's language) and tagged with its language."""
    label = html.escape(page_text(lang).translation)
    return (
        f'<{tag} class="savol-translation" lang="{page_lang(text_lang)}">'
        f'<span class="savol-translation-label">{label}:</span> {html.escape(text)}</{tag}>'
    )


def _excerpt(text: str, spans: list[tuple[int, int]]) -> str:
    """The passage as HTML, quotes marked, cut to about SOURCE_CHARS around the quotes."""
    if len(text) <= SOURCE_CHARS:
        return _highlight(text, spans)
    first = min((s for s, _ in spans), default=0)
    last = max((e for _, e in spans), default=0)
    start = max(0, first - SOURCE_MARGIN)
    end = min(len(text), max(last, start + SOURCE_CHARS))
    shown = _highlight(text[start:end], [(s - start, e - start) for s, e in spans])
    return ("… " if start else "") + shown + (" …" if end < len(text) else "")


def _card(head: str, cite: str, text: str, spans, t, title: str = "", translated: str = "") -> str:
    title = f'<span class="savol-title">{html.escape(title)}</span>' if title else ""
    passage = _excerpt(text, spans).replace("\n", "<br>")  # one line: Markdown ends an HTML block at a blank one
    return (
        f'<article class="savol-src"><p class="savol-src-head"><strong>{html.escape(head)}</strong>'
        f'<a href="#{html.escape(cite)}">{html.escape(t.open)}</a>{title}</p>'
        f'<p class="savol-passage">{passage}</p>{translated}</article>'
    )


def sources_html(result: Answer, lang: str, titles: bool = False) -> str:
    """The answer's own sources, folded under it: each cited passage with its paragraph and its
    quotes marked, or a refusal's closest passages. ``titles`` when the index holds several articles."""
    t = page_text(lang)
    cards, labels = [], []
    if result.refused:
        heading = t.closest
        for hit in result.retrieved[:CLOSEST_SHOWN]:
            label = t.paragraph.format(paragraph_numbers(hit.passage.paragraphs))
            labels.append(label)
            cards.append(_card(label, _cite_ref(hit.id, []), hit.text, [], t, hit.passage.title if titles else ""))
    else:
        heading = t.sources
        by_n: dict[int, list] = {}
        for c in result.citations:
            by_n.setdefault(c.n, []).append(c)
        for n, group in sorted(by_n.items()):
            spans = [(c.quote_start, c.quote_end) for c in group if c.quote]
            first = group[0]
            label = f"[{n}] {t.paragraph.format(paragraph_numbers(c.paragraph for c in group))}"
            labels.append(label)
            quoted = " ".join(c.translation for c in group if c.translation)
            translated = translation_html(quoted, result.translation_lang or lang, lang, "p") if quoted else ""
            cards.append(
                _card(
                    label,
                    _cite_ref(first.chunk_id, spans),
                    first.text,
                    spans,
                    t,
                    first.title if titles else "",
                    translated,
                )
            )
    if not cards:
        return ""
    summary = html.escape(f"{heading}: {' · '.join(labels)}")
    body = "".join(cards)
    return f'<details class="savol-sources" lang="{page_lang(lang)}"><summary>{summary}</summary>{body}</details>'


# ---------------------------------------------------------------- the context panel


def context_hint(lang: str) -> str:
    """The context panel before a passage is opened; its ``lang`` sets the page's language."""
    lang = page_lang(lang)
    hint = html.escape(TEXTS[lang].context_hint)
    return f'<div class="savol-panel" lang="{lang}"><p class="savol-hint">{hint}</p></div>'


def context_html(store: Store, cite: str, lang: str = DEFAULT_LANG) -> str:
    """A passage between its neighbours in the article, its quotes marked, each of its paragraphs
    numbered; ``cite`` as in the links. The heading names the quoted sentences' paragraphs (the
    number their answer and ``savol ask`` give), or the passage's when nothing is quoted, and
    links back to the answer."""
    lang = page_lang(lang)
    t = TEXTS[lang]
    match = _CITE.match(cite or "")
    by_id = {c.id: i for i, c in enumerate(store.chunks)}
    if not match or match.group(1) not in by_id:
        return f'<div class="savol-panel" lang="{lang}"><p class="savol-hint">{html.escape(t.gone)}</p></div>'
    i = by_id[match.group(1)]
    chunk = store.chunks[i]
    numbers = [int(x) for x in match.group(2).split("-")[1:]]
    spans = list(zip(numbers[::2], numbers[1::2]))
    parts = []
    prev = store.chunks[i - 1] if i > 0 else None
    if prev and prev.source == chunk.source:
        # Chunks may overlap by a sentence: show only what comes before this passage.
        before = prev.text[: max(0, chunk.start - prev.start)].strip()
        parts.append(f'<p class="savol-around">{html.escape(before)}</p>' if before else "")
    parts.append(f'<p class="savol-focus">{_numbered(chunk, spans)}</p>')
    nxt = store.chunks[i + 1] if i + 1 < len(store.chunks) else None
    if nxt and nxt.source == chunk.source:
        after = nxt.text[max(0, chunk.end - nxt.start) :].strip()
        parts.append(f'<p class="savol-around">{html.escape(after)}</p>' if after else "")
    quoted = [p for p in (_paragraph_at(chunk, s) for s, e in spans if 0 <= s < e <= len(chunk.text)) if p]
    where = t.paragraph.format(paragraph_numbers(quoted or chunk.paragraphs))
    heading = html.escape(f"{t.in_context}: {where}")
    back = f'<a class="savol-back" href="#savol-chat">↑ {html.escape(t.back)}</a>'
    head = f'<div class="savol-panel-head"><h3>{heading}</h3>{back}</div>'
    return f'<div class="savol-panel" lang="{lang}">{head}{"".join(parts)}</div>'


def paragraph_numbers(numbers) -> str:
    """Paragraph numbers as a reader writes them: "41", "40–42", or "41, 43"."""
    shown = sorted(set(numbers))
    if len(shown) > 1 and shown == list(range(shown[0], shown[-1] + 1)):
        return f"{shown[0]}–{shown[-1]}"
    return ", ".join(str(n) for n in shown)


def _line_starts(chunk: Passage) -> list[int] | None:
    """Where each of the passage's paragraphs starts in its text (one line each), or None when the
    lines do not match its paragraphs."""
    starts = [0] + [m.end() for m in re.finditer("\n", chunk.text)]
    return starts if len(starts) == len(chunk.paragraphs) else None


def _paragraph_at(chunk: Passage, offset: int) -> int | None:
    """The paragraph holding ``chunk.text[offset]``."""
    starts = _line_starts(chunk)
    if starts is None:
        return chunk.paragraph if len(chunk.paragraphs) == 1 else None
    return chunk.paragraphs[bisect.bisect_right(starts, offset) - 1]


def _numbered(chunk: Passage, spans: list[tuple[int, int]]) -> str:
    """The passage as HTML, quotes marked, each paragraph after its number (as in the whole article)."""
    starts = _line_starts(chunk)
    if starts is None:
        return _highlight(chunk.text, spans)
    ends = [s - 1 for s in starts[1:]] + [len(chunk.text)]
    lines = []
    for number, start, end in zip(chunk.paragraphs, starts, ends):
        inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
        lines.append(f'<span class="savol-pn">{number}</span>{_highlight(chunk.text[start:end], inside)}')
    return "\n".join(lines)


# ---------------------------------------------------------------- the header and the article


def _label(key: str) -> str:
    """A page label the browser relabels when the reader's language changes (``data-i18n``)."""
    return f'<span data-i18n="{key}">{html.escape(getattr(TEXTS[DEFAULT_LANG], key))}</span>'


def header_html(store: Store, sources: list[SourceFile], article_url: str | None = None) -> str:
    """Title, date and outlet (from the dateline of its first passage) of each article in the index,
    a link to the original, and what the page does.

    The link goes to ``article_url`` (SAVOL_ARTICLE_URL) or the article's address from its
    ``.meta.json``; when neither is known, to the publisher's site that file names, and says so.
    """
    seen, lines = set(), []
    for c in store.chunks:
        if c.source in seen:
            continue
        seen.add(c.source)
        outlet = dateline_outlet(c.text)
        facts = [html.escape(c.date)] + ([f"{_label('source')}: {html.escape(outlet)}"] if outlet else [])
        lines.append(f"<h1>{html.escape(c.title)}</h1><p>{' · '.join(f for f in facts if f)}</p>")
    metas = [s.meta for s in sources]
    url = article_url or next((m.url for m in metas if m.url), None)
    if url:
        link = _label("original")
    else:
        url = next((m.publisher_url for m in metas if m.publisher_url), None)
        link = f"{_label('publisher_site')} ({html.escape(urlparse(url).netloc)})" if url else ""
    if url:
        lines.append(
            f'<p><a class="savol-original" href="{html.escape(url)}" target="_blank" '
            f'rel="noopener noreferrer">{link} ↗</a></p>'
        )
    lead = html.escape(TEXTS[DEFAULT_LANG].lead)
    return "".join(lines) + f'<p class="savol-lead" data-i18n="lead">{lead}</p>'


def article_html(sources) -> str:
    """The whole article, folded: every paragraph under the number its citations carry
    (``savol-p-N``; ``savol-p-D-N`` for the D-th of several articles)."""
    several = len(sources) > 1
    parts = []
    for d, source in enumerate(sources, start=1):
        if several:
            parts.append(f"<h3>{html.escape(source.title)}</h3>")
        prefix = f"savol-p-{d}-" if several else "savol-p-"
        parts += [
            f'<p class="savol-para" id="{prefix}{p.number}"><b>{p.number}</b>{html.escape(p.text)}</p>'
            for p in source.paragraphs
        ]
    summary = f'<summary data-i18n="read_all">{html.escape(TEXTS[DEFAULT_LANG].read_all)}</summary>'
    return f'<details class="savol-article" id="savol-article">{summary}{"".join(parts)}</details>'
