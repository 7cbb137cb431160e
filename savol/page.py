"""What the chat page shows: its Uzbek text, style and script, and the HTML and Markdown of
answers, sources and passages in context. Everything from the article is escaped here."""

from __future__ import annotations

import html
import re

from ingest.corpus import dateline_outlet
from savol.answer import Answer

CLOSEST_SHOWN = 3  # passages shown beside a refusal, so the reader can check for themselves

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
    """Title, date and outlet (from the dateline of its first passage) of each article in the index."""
    seen, lines = set(), []
    for c in store.chunks:
        if c["source"] in seen:
            continue
        seen.add(c["source"])
        outlet = dateline_outlet(c["text"])
        facts = [c["date"]] + ([f"{SOURCE}: {outlet}"] if outlet else [])
        lines.append(f"<h1>{html.escape(c['title'])}</h1><p>{html.escape(' · '.join(f for f in facts if f))}</p>")
    return "".join(lines) + f'<p class="savol-lead">{html.escape(LEAD)}</p>'



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
