"""The chat page in a real browser, at desktop (1280×800) and phone (390×844) sizes: Debian's
Chromium driven by Playwright. Screenshots go to each test's tmp_path; their paths are printed."""

from __future__ import annotations

import time

import pytest

from answering.answer import refusal
from ingest.corpus import read_source
from page.feedback import read_votes
from page.text import TEXTS
from tests.browser import (
    DESKTOP,
    PHONE,
    SIZES,
    ask,
    bot_messages,
    in_viewport,
    needs_chromium,
    open_page,
    screenshot,
)
from tests.conftest import ARTICLE

QUESTION = "Тоқаев Токиода ким билан учрашди?"
HITACHI = "Hitachi Construction Machinery нима қилади?"
MARKER = '#savol-chat a[href^="#cite-"]'
FOCUS_MARK = "#savol-context .savol-focus mark"
# The reader's language, one question each: the page's own words must follow it.
LANGUAGE_TOUR = [
    ("Кто губернатор Токио?", "ru"),
    ("What gifts did the emperor give?", "en"),  # refused: in English, under an English heading
    ("Toqayev Tokioda kim bilan uchrashdi?", "uz-Latn"),
    (QUESTION, "uz-Cyrl"),
]

pytestmark = needs_chromium


def test_answer_cites_its_sources_with_the_quote_highlighted(browser, url, app, tmp_path):
    """A reader sees the quoted answer, its [1] marker, and under it that answer's sources, quote marked."""
    page = open_page(browser, url)
    ask(page, QUESTION)
    expected = app.ask(QUESTION)
    answer = bot_messages(page).last
    assert answer.locator('a[href^="#cite-"]').first.inner_text() == "[1]"
    assert expected.sentences[0][0] in answer.inner_text()
    answer.locator(".savol-sources summary").click()
    assert expected.citations[0].quote in answer.locator(".savol-sources mark").first.inner_text()
    screenshot(page, tmp_path, "desktop.png")
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_marker_brings_the_passage_into_view(browser, url, tmp_path, size):
    """Tapping [1] shows the passage between its neighbours, quote marked, on screen: on a phone the
    context panel is far below the chat, so the page scrolls to it."""
    page = open_page(browser, url, size)
    ask(page, QUESTION)
    page.locator(MARKER).first.click()
    page.wait_for_selector(FOCUS_MARK, timeout=10_000)
    page.wait_for_timeout(800)  # let the smooth scroll end
    assert page.locator("#savol-context .savol-around").count() >= 1
    assert in_viewport(page, FOCUS_MARK)
    screenshot(page, tmp_path, f"marker-{size['width']}.png")
    page.close()


def test_each_answer_keeps_its_own_sources(browser, url, app, tmp_path):
    """Scrolled back, an older answer still lists its own sources, and its marker opens its own passage."""
    page = open_page(browser, url, PHONE)
    ask(page, HITACHI)
    ask(page, QUESTION)
    older = bot_messages(page).first
    older.scroll_into_view_if_needed()
    first = app.ask(HITACHI).citations[0]
    summary = older.locator(".savol-sources summary").inner_text()
    assert TEXTS["uz-Cyrl"].paragraph.format(first.paragraph) in summary
    older.locator(".savol-sources summary").click()
    assert first.quote in older.locator(".savol-sources mark").first.inner_text()
    screenshot(page, tmp_path, "older-sources.png")
    older.locator('a[href^="#cite-"]').first.click()
    page.wait_for_function(
        "q => [...document.querySelectorAll('#savol-context .savol-focus mark')].some(m => m.innerText.includes(q))",
        arg=first.quote,
        timeout=10_000,
    )
    page.wait_for_timeout(800)
    assert in_viewport(page, FOCUS_MARK)
    screenshot(page, tmp_path, "older-marker.png")
    page.close()


def test_page_follows_the_reader_language(browser, url, tmp_path):
    """Russian, English and Latin-Uzbek readers get the page's own words in their language."""
    page = open_page(browser, url)
    assert page.evaluate("document.documentElement.lang") == "uz-Cyrl"
    for question, lang in LANGUAGE_TOUR:
        ask(page, question)
        t = TEXTS[lang]
        page.wait_for_function("l => document.documentElement.lang === l", arg=lang, timeout=5_000)
        assert page.get_attribute("#savol-box textarea", "placeholder") == t.placeholder
        assert t.examples in page.locator("#savol-examples").inner_text()
        assert t.lead in page.locator("#savol-header").inner_text()
        assert t.read_all in page.locator("#savol-article").inner_text()
        assert t.context_hint in page.locator("#savol-context").inner_text()
        answer = bot_messages(page).last
        heading = t.closest if lang == "en" else t.sources
        assert heading in answer.locator(".savol-sources summary").inner_text()
        if lang == "en":
            assert answer.inner_text().startswith(refusal("en"))
        screenshot(page, tmp_path, f"lang-{lang}.png")
    bot_messages(page).last.locator('a[href^="#cite-"]').first.click()
    page.wait_for_selector("#savol-context .savol-focus", timeout=10_000)
    assert TEXTS["uz-Cyrl"].in_context in page.locator("#savol-context").inner_text()
    page.close()


def test_intro_once_and_plain_text_labels(browser, url, app, tmp_path):
    """The intro is shown once; each message's aria-label, and what its copy button copies, is plain text."""
    context = browser.new_context(viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#savol-box textarea")
    t = TEXTS["uz-Cyrl"]
    assert page.locator("body").inner_text().count(t.lead) == 1
    ask(page, QUESTION)
    expected = " ".join(app.ask(QUESTION).answer.split())
    labels = page.evaluate("""() => [...document.querySelectorAll(
        '#savol-chat [data-testid="user"], #savol-chat [data-testid="bot"]')].map(e => e.getAttribute('aria-label'))""")
    assert labels == [f"{t.you}: {QUESTION}", f"{t.bot}: {expected}"]
    bot_messages(page).last.hover()
    page.locator(f'#savol-chat button[aria-label="{t.copy}"]').last.click()
    assert page.evaluate("navigator.clipboard.readText()") == expected
    screenshot(page, tmp_path, "labels.png")
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_whole_article_and_the_original(browser, url, article_path, app, tmp_path, size):
    """The header links to the original; the whole article opens on the page, numbered like the citations."""
    page = open_page(browser, url, size)
    link = page.locator("#savol-header a.savol-original")
    assert link.get_attribute("href") == read_source(article_path).meta.publisher_url
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    paragraphs = read_source(article_path).paragraphs
    page.locator("#savol-article summary").click()
    shown = page.locator("#savol-article .savol-para")
    assert shown.count() == len(paragraphs)
    cited = app.ask(HITACHI).citations[0]
    text = page.locator(f"#savol-p-{cited.paragraph}").inner_text()
    assert text.startswith(str(cited.paragraph)) and cited.quote in text
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, tmp_path, f"article-{size['width']}.png")
    page.close()


def test_phone_width_fits_without_sideways_scrolling(browser, url, tmp_path):
    """On a 390 px phone the page wraps into one column: nothing wider than the screen.

    The question comes from a clicked example, which must send it without typing.
    """
    page = open_page(browser, url, PHONE)
    page.get_by_text(read_source(ARTICLE).meta.examples[3], exact=True).click()
    page.wait_for_selector("#savol-chat .savol-sources", timeout=30_000)
    assert read_source(ARTICLE).meta.examples[3] in page.locator("#savol-chat").inner_text()
    bot_messages(page).last.locator(".savol-sources summary").click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    chat, context = page.locator("#savol-chat").bounding_box(), page.locator("#savol-context").bounding_box()
    assert context["y"] > chat["y"] + chat["height"] - 1  # stacked, not side by side
    screenshot(page, tmp_path, "phone.png")
    page.close()


def test_like_button_records_the_vote(browser, url, app):
    """The thumbs-up under an answer stores a 'like' vote."""
    before = list(read_votes(app.settings.feedback_dir))
    page = open_page(browser, url)
    ask(page, QUESTION)
    page.get_by_label(TEXTS["uz-Cyrl"].like, exact=True).last.click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = list(read_votes(app.settings.feedback_dir))
        if len(lines) > len(before):
            break
        time.sleep(0.1)
    record = lines[-1]
    assert record["vote"] == "like" and record["question"] == QUESTION and record["citations"]
    page.close()
