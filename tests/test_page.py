"""What a reader sees: each answer with its own sources, the page in the reader's language, the
question shown as typed, the whole article. Through `respond`, the `/chat` route and the page's HTML."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace

import pytest
from markdown_it import MarkdownIt

import page.app as page_app
from answering.answer import Answer, Citation, refusal
from ingest.corpus import list_corpus, read_source
from ingest.errors import SavolError
from ingest.settings import Settings
from page import render
from page.text import TEXTS
from tests.page_client import plain, request

HITACHI = "Hitachi Construction Machinery нима қилади?"
MET = "Тоқаев Токиода ким билан учрашди?"
FOLLOW_UP = "Унинг президенти ким?"
OFF_TOPIC = "What gifts did the emperor give?"
FOUR_LANGUAGES = [
    ("Тоқаев Токиода ким билан учрашди?", "uz-Cyrl"),
    ("Toqayev Tokioda kim bilan uchrashdi?", "uz-Latn"),
    ("Кто губернатор Токио?", "ru"),
    ("How much has Japan invested in Kazakhstan?", "en"),
]
# Markup a reader might paste: raw HTML, a Markdown image, a link, an entity, emphasis and a list marker.
MARKUP = (
    '1. <img src="http://198.51.100.9/q.png" onerror="alert(1)"> ![m](http://198.51.100.9/m.png) '
    "[l](http://198.51.100.9/l) &amp; *Кто* губернатор Токио?"
)


def final_message(app, question, history=(), turns=None) -> str:
    return list(page_app.respond(question, list(history), turns, app=app))[-1][1][-1]["content"]


# ---------------------------------------------------------------- item 8: sources belong to each answer


def test_each_answer_carries_its_own_sources(app):
    """An answer keeps its own sources (paragraph and passage, quote marked) however many answers follow."""
    _, history, _, turns = list(page_app.respond(HITACHI, [], app=app))[-1]
    first = history[-1]["content"]
    _, history, _, _ = list(page_app.respond(MET, history, turns, app=app))[-1]
    assert history[1]["content"] == first
    result = app.ask(HITACHI)
    t = TEXTS["uz-Cyrl"]
    summary = re.search(r"<summary>(.*?)</summary>", first, re.S).group(1)
    assert t.sources in summary
    for c in result.citations:
        assert t.paragraph.format(c.paragraph) in summary  # which paragraphs, before it is opened
        assert f"<mark>{html.escape(c.quote)}</mark>" in first


def test_source_cards_name_the_paragraph_not_the_long_title(app):
    """The header already names the article: a card leads with its marker and paragraph number."""
    content = final_message(app, HITACHI)
    title = app.store.chunks[0].title
    assert html.escape(title) not in content and title not in content
    c = app.ask(HITACHI).citations[0]
    assert re.search(
        rf"<strong>\[{c.n}\] {re.escape(TEXTS['uz-Cyrl'].paragraph.format(c.paragraph))}</strong>", content
    )


def _sentences(app, chunk):
    return [app.store.sentences[sid].text for sid in chunk.sentence_ids]


def test_one_marker_for_consecutive_quotes_from_one_passage(app, monkeypatch):
    """'Q1 Q2 [1] Q3 [2]' shows two markers, as written; [1] opens its passage with both quotes marked."""
    a, b = [c for c in app.store.chunks if len(c.sentence_ids) >= 3][:2]
    q1, q2 = _sentences(app, a)[1:3]
    q3 = _sentences(app, b)[0]

    def cite(n, chunk, quote):
        start = chunk.text.index(quote)
        return Citation(
            n, chunk.id, chunk.title, chunk.date, chunk.paragraph, chunk.text, quote, start, start + len(quote)
        )

    citations = [cite(1, a, q1), cite(1, a, q2), cite(2, b, q3)]
    answer = Answer(
        "q?", f"{q1} {q2} [1] {q3} [2]", False, "uz-Cyrl", citations=citations, sentences=[(q1, 1), (q2, 1), (q3, 2)]
    )
    monkeypatch.setattr(app, "ask", lambda question, history=None: answer)
    monkeypatch.setattr(app, "stream", lambda question, history=None: iter([answer]))
    content = final_message(app, "q?")
    assert plain(content) == answer.answer
    text = content.split("\n\n")[0]
    links = re.findall(r"\[\\\[(\d)\\\]\]\(#(cite-[0-9a-f-]+)\)", text)
    assert [n for n, _ in links] == ["1", "2"]
    spans = {(c.quote_start, c.quote_end) for c in citations[:2]}
    assert all(f"-{s}-{e}" in links[0][1] for s, e in spans)


# ---------------------------------------------------------------- item 4: the question as typed


def test_question_markup_is_shown_as_text(app):
    """HTML, images, links, entities and list markers in a question render as the text typed, nothing more."""
    shown = next(iter(page_app.respond(MARKUP, [], app=app)))[1][-1]["content"]
    rendered = MarkdownIt("commonmark").render(shown)
    assert "<img" not in rendered and "<a" not in rendered and "<ol" not in rendered and "<em" not in rendered
    assert html.unescape(re.sub(r"</?p>", "", rendered)).strip() == MARKUP


def test_follow_up_reads_earlier_questions_as_typed(app, monkeypatch):
    """The shown question is escaped for display; retrieval still gets the reader's words back."""
    _, history, _, _ = list(page_app.respond(MARKUP, [], app=app))[-1]
    seen = []
    real_stream = app.stream
    monkeypatch.setattr(app, "stream", lambda q, history=None: seen.append(history) or real_stream(q, history))
    list(page_app.respond(FOLLOW_UP, history, app=app))
    assert seen == [[MARKUP]]


# ---------------------------------------------------------------- item 9: the reader's language


@pytest.mark.parametrize("question, lang", FOUR_LANGUAGES, ids=[lang for _, lang in FOUR_LANGUAGES])
def test_chat_speaks_the_reader_language(client, question, lang):
    """Headings, labels and the context hint follow the language of the question (`lang` set for the page)."""
    job = client.submit(question, [], api_name="/chat")
    _, history, _ = job.result()
    panel = job.outputs()[0][2]  # set with the question; later steps leave it (and the box) alone
    t = TEXTS[lang]
    answer = page_app._text(history[-1]["content"])
    assert f'lang="{lang}"' in panel and html.escape(t.context_hint) in panel
    assert f"<summary>{t.sources}" in answer
    assert all(other.sources not in answer for name, other in TEXTS.items() if name != lang)


def test_refusal_and_its_heading_share_the_reader_language(client):
    """No English refusal under an Uzbek heading: both, and the closest passages' labels, are English."""
    _, history, _ = client.submit(OFF_TOPIC, [], api_name="/chat").result()
    answer = page_app._text(history[-1]["content"])
    assert plain(answer) == refusal("en")
    assert f"<summary>{TEXTS['en'].closest}" in answer and answer.count('class="savol-src"') == render.CLOSEST_SHOWN
    assert TEXTS["uz-Cyrl"].closest not in answer and "хатбоши" not in answer


@pytest.mark.parametrize(
    "question, lang, reason",
    [
        pytest.param("Кто губернатор Токио? " * 150, "ru", "предел", id="ru"),
        pytest.param("How much has Japan invested in Kazakhstan? " * 60, "en", "the limit is 2,000", id="en"),
        pytest.param("Toqayev Tokioda kim bilan uchrashdi? " * 80, "uz-Latn", "chegara", id="uz-Latn"),
    ],
)
def test_refused_question_notice_speaks_its_language(app, question, lang, reason):
    """A question the page cannot take is refused in the reader's language, title and reason."""
    with pytest.warns(UserWarning, match=f"{re.escape(TEXTS[lang].bad_question)}: .*{reason}"):
        list(page_app.respond(question, [], app=app))


def test_empty_question_notice_keeps_the_reader_language(app):
    """An empty question has no language of its own: the notice follows the reader's last question."""
    history = [{"role": "user", "content": "Кто губернатор Токио?"}, {"role": "assistant", "content": "Ответ. [1]"}]
    with pytest.warns(UserWarning, match=TEXTS["ru"].bad_question):
        list(page_app.respond("   ", history, app=app))


def test_feedback_notice_speaks_the_reader_language(app, tmp_path):
    """A vote that cannot be saved is announced in the language the reader asked in."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    _, history, _, turns = list(page_app.respond("Who is the governor of Tokyo?", [], app=app))[-1]
    import gradio as gr

    with pytest.warns(UserWarning, match=re.escape(TEXTS["en"].feedback_failed)):
        page_app.on_like(
            history,
            turns,
            gr.LikeData(None, {"index": 1, "value": "", "liked": True}),
            feedback_dir=blocker / "feedback",
        )


def test_passage_in_context_speaks_the_reader_language(app):
    """The context panel's heading and paragraph label are in the language the page shows."""
    chunk = app.store.chunks[5]
    shown = render.context_html(app.store, f"cite-{chunk.id}", "en")
    where = TEXTS["en"].paragraph.format(render.paragraph_numbers(chunk.paragraphs))  # nothing quoted: all it covers
    assert f"{TEXTS['en'].in_context}: {where}" in shown
    assert 'lang="en"' in shown


def test_page_text_tables_are_complete():
    """Every language has every text, and the Latin Uzbek table is written in Latin letters."""
    names = TEXTS["uz-Cyrl"].__dataclass_fields__
    for lang, t in TEXTS.items():
        assert all(getattr(t, name) for name in names), lang
    latin = " ".join(str(v) for v in vars(TEXTS["uz-Latn"]).values())
    assert not re.search("[\u0400-\u04ff]", latin)


# ---------------------------------------------------------------- item 11: the original and the whole article


def _articles(app):
    return [read_source(path) for path in list_corpus(app.settings.corpus_dir)]


def test_header_links_to_the_publisher_when_the_article_address_is_unknown(app):
    """The corpus has no address for the article: the link says it leads to Kazinform's site, not the article."""
    header = render.header_html(app.store, _articles(app), app.settings.article_url)
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', header)
    assert link.group(1) == "https://kazinform.kz/uz/"
    assert 'target="_blank"' in link.group(0) and 'rel="noopener noreferrer"' in link.group(0)
    assert TEXTS["uz-Cyrl"].publisher_site in link.group(2)


def test_article_address_setting_names_the_original():
    """SAVOL_ARTICLE_URL points the link at the article itself; anything but http(s) is refused."""
    settings = Settings.from_env({"SAVOL_ARTICLE_URL": "https://kazinform.kz/uz/some-article-id"})
    assert settings.article_url == "https://kazinform.kz/uz/some-article-id"
    with pytest.raises(SavolError, match="SAVOL_ARTICLE_URL"):
        Settings.from_env({"SAVOL_ARTICLE_URL": "javascript:alert(1)"})


def test_original_link_text_when_the_address_is_set(app):
    header = render.header_html(app.store, _articles(app), "https://kazinform.kz/uz/some-article-id")
    assert TEXTS["uz-Cyrl"].original in header and 'href="https://kazinform.kz/uz/some-article-id"' in header


def test_whole_article_is_numbered_like_the_citations(app, article_path):
    """Each paragraph of the article is on the page under the number its citations carry."""
    source = read_source(article_path)
    shown = render.article_html([source])
    for p in source.paragraphs:
        assert re.search(rf'id="savol-p-{p.number}"[^>]*>.*?{re.escape(html.escape(p.text))}', shown)
    for c in app.ask(HITACHI).citations:
        block = re.search(rf'id="savol-p-{c.paragraph}".*?</p>', shown, re.S).group(0)
        assert html.escape(c.quote) in block


def test_whole_article_is_escaped(article_path):
    """Article text is data: markup in it shows as text."""
    source = read_source(article_path)
    first = source.paragraphs[0]
    trapped = replace(source, paragraphs=(replace(first, text="<script>x()</script> & <img src=x>"),))
    shown = render.article_html([trapped])
    assert "<script>" not in shown and "<img" not in shown and "&lt;script&gt;" in shown


def test_page_config_carries_the_article_and_the_link(url, article_path):
    """Served: the page's config holds the link and every numbered paragraph, so nothing is fetched later."""
    status, body = request(url, "GET", "/config")
    values = [c["props"].get("value") for c in json.loads(body)["components"]]
    text = " ".join(v for v in values if isinstance(v, str))
    assert status == 200 and 'href="https://kazinform.kz/uz/"' in text
    count = len(read_source(article_path).paragraphs)
    assert f'savol-p-{count}"' in text and f'savol-p-{count + 1}"' not in text


def test_panel_names_the_quoted_sentence_paragraph(app):
    """A passage covering §40–42 opened from a quote in §41 is headed §41, the number its answer
    gives, and each of its paragraphs is shown after its own number."""
    result = app.ask("Кто губернатор Токио?")
    c = result.citations[0]
    chunk = next(p for p in app.store.chunks if p.id == c.chunk_id)
    assert len(chunk.paragraphs) > 1 and c.paragraph in chunk.paragraphs
    shown = render.context_html(app.store, f"cite-{c.chunk_id}-{c.quote_start}-{c.quote_end}", "en")
    assert f"<h3>{TEXTS['en'].in_context}: {TEXTS['en'].paragraph.format(c.paragraph)}</h3>" in shown
    numbered = re.findall(r'<span class="savol-pn">(\d+)</span>', shown)
    assert numbered == [str(n) for n in chunk.paragraphs]
    assert re.search(rf'<span class="savol-pn">{c.paragraph}</span>[^\n]*<mark>', shown)


@pytest.mark.parametrize(
    "numbers, shown", [([41], "41"), ([40, 41, 42], "40–42"), ([43, 41, 41], "41, 43"), ((7, 8), "7–8")]
)
def test_paragraph_numbers_read_as_written(numbers, shown):
    """One number, a run, or a list: never "41–41", never out of order."""
    assert render.paragraph_numbers(numbers) == shown
