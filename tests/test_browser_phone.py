"""The chat page as a new reader finds it, at phone (390×844) and desktop (1280×800) sizes, in
Debian's Chromium: what is on screen on arrival, a marker's passage and the way back, nothing over
the quote, Gradio's own controls in the page's language, and one paragraph number per sentence."""

from __future__ import annotations

import pytest

from ingest.corpus import read_source
from page.text import TEXTS
from tests.browser import DESKTOP, PHONE, SIZES, ask, bot_messages, needs_chromium, open_page, screenshot
from tests.conftest import ARTICLE

KOIKE = "Кто губернатор Токио?"  # quoted from §41, in a passage that covers §40–42
MARKER = '#savol-chat a[href^="#cite-"]'
HEAD = "#savol-context .savol-panel-head"
FOCUS_MARK = "#savol-context .savol-focus mark"

pytestmark = needs_chromium

# The element's box lies wholly inside the window.
FULLY_VISIBLE = """sel => { const e = document.querySelector(sel); if (!e) return false;
    const r = e.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }"""
# What the reader sees at the element's centre is the element itself (nothing floats over it).
# (The first line box of the element: a wrapped quote's bounding box takes in text beside it.)
UNCOVERED = """sel => { const e = document.querySelector(sel); const r = e.getClientRects()[0];
    const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    return !!top && (top === e || e.contains(top)); }"""


def _open_marker(page):
    page.locator(MARKER).first.click()
    page.wait_for_selector(FOCUS_MARK, timeout=10_000)
    page.wait_for_timeout(800)  # let any smooth scroll end


@pytest.mark.parametrize("size", SIZES)
def test_question_box_and_an_example_are_on_screen_on_arrival(browser, url, tmp_path, size):
    """Before any question the empty chat takes no room: the box and the first example show whole."""
    page = open_page(browser, url, size)
    page.wait_for_selector("#savol-examples button")
    assert page.evaluate(FULLY_VISIBLE, "#savol-box textarea")
    assert page.evaluate(FULLY_VISIBLE, "#savol-examples button")
    assert page.locator("#savol-chat").bounding_box() is None  # hidden until the first message
    screenshot(page, tmp_path, f"arrival-{size['width']}.png")
    ask(page, KOIKE)
    assert page.locator("#savol-chat").is_visible()
    assert page.evaluate(FULLY_VISIBLE, "#savol-box textarea")  # still whole with an answer above it
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_marker_shows_the_passage_under_its_heading_and_leads_back(browser, url, tmp_path, size):
    """A marker brings the panel's heading and the quote on screen, quote uncovered; the back link
    returns to the very marker that was tapped."""
    page = open_page(browser, url, size)
    ask(page, KOIKE)
    _open_marker(page)
    assert page.evaluate(FULLY_VISIBLE, HEAD)
    assert page.evaluate(FULLY_VISIBLE, FOCUS_MARK)
    assert page.evaluate(UNCOVERED, FOCUS_MARK)
    back = page.locator(f"{HEAD} a.savol-back")
    assert back.inner_text().endswith(TEXTS["ru"].back)
    screenshot(page, tmp_path, f"passage-{size['width']}.png")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")  # read on to the end
    page.wait_for_timeout(300)
    assert page.evaluate(FULLY_VISIBLE, HEAD)  # the heading and its back link stay in view
    back.click()
    page.wait_for_timeout(800)
    assert page.evaluate(FULLY_VISIBLE, MARKER) and page.evaluate(UNCOVERED, MARKER)
    assert page.evaluate(f"document.activeElement === document.querySelector('{MARKER}')")
    screenshot(page, tmp_path, f"back-{size['width']}.png")
    page.close()


def test_nothing_floats_over_the_quote_in_a_source_card(browser, url, tmp_path):
    """Gradio's "scroll down" button shows whenever the chat is not at its end; over an open
    source card it covered the highlighted quote, so the page never shows it."""
    page = open_page(browser, url, PHONE)
    ask(page, KOIKE)
    ask(page, "Hitachi Construction Machinery нима қилади?")
    older = bot_messages(page).first
    older.locator(".savol-sources summary").click()
    mark = older.locator(".savol-sources mark").first
    mark.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # Gradio shows its button once the chat is scrolled up
    assert page.get_by_role("button", name="Scroll down").count() == 0 or not (
        page.get_by_role("button", name="Scroll down").first.is_visible()
    )
    covered = page.evaluate(
        """m => [...m.getClientRects()].filter((r) => r.top >= 0 && r.bottom <= innerHeight).some((r) => {
               const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
               return !(top === m || m.contains(top)); })""",
        mark.element_handle(),
    )
    assert not covered
    screenshot(page, tmp_path, "source-card-quote.png")
    page.close()


def test_gradio_controls_speak_the_page_language_and_the_footer_is_gone(browser, url, tmp_path):
    """Clear, Copy, Like and Dislike are named in the reader's language, and follow it when it
    changes; Gradio's English footer (Use via API · Built with Gradio · Settings) is not shown."""
    page = open_page(browser, url, DESKTOP)
    assert page.locator("footer").count() == 0
    for question, lang in [(KOIKE, "ru"), ("Who is the governor of Tokyo?", "en")]:
        ask(page, question)
        page.wait_for_function("l => document.documentElement.lang === l", arg=lang, timeout=5_000)
        t = TEXTS[lang]
        page.wait_for_timeout(300)  # the relabelling runs once per frame
        for label in (t.clear, t.copy, t.like, t.dislike):
            button = page.locator(f'#savol-chat button[aria-label="{label}"]')
            assert button.count() >= 1, label
            assert button.first.get_attribute("title") == label
        for english in ("Clear", "Copy message", "Like", "Dislike"):
            assert page.locator(f'button[aria-label="{english}"]').count() == 0, english
    body = page.locator("body").inner_text()
    assert not any(words in body for words in ("Use via API", "Built with Gradio", "Settings"))
    screenshot(page, tmp_path, "controls-en.png")
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_one_paragraph_number_for_the_quoted_sentence(browser, url, app, tmp_path, size):
    """The answer's source card, the panel's heading and the panel's numbering all give the quoted
    sentence's own paragraph, the one the article file puts it in, and so do `savol ask` and --json."""
    quote = app.ask(KOIKE).citations[0].quote
    own = next(p.number for p in read_source(ARTICLE).paragraphs if quote in p.text)
    assert app.ask(KOIKE).to_dict()["citations"][0]["paragraph"] == own
    t = TEXTS["ru"]
    page = open_page(browser, url, size)
    ask(page, KOIKE)
    assert f"[1] {t.paragraph.format(own)}" in bot_messages(page).last.locator(".savol-sources summary").inner_text()
    _open_marker(page)
    assert page.locator(f"{HEAD} h3").inner_text() == f"{t.in_context}: {t.paragraph.format(own)}"
    numbered = page.evaluate(
        """() => { const m = document.querySelector('#savol-context .savol-focus mark');
                   let n = m.previousSibling;
                   while (n && !(n.classList && n.classList.contains('savol-pn'))) n = n.previousSibling;
                   return n && n.textContent; }"""
    )
    assert numbered == str(own)
    screenshot(page, tmp_path, f"paragraph-{size['width']}.png")
    page.close()
