"""What the reader types, in a real browser: a question sent while an answer is still being
written, and markup in a question. Debian's Chromium through Playwright; screenshots in tmp_path."""

from __future__ import annotations

import pytest

from page.text import TEXTS
from tests.browser import DESKTOP, PHONE, ask, needs_chromium, open_page, screenshot, wait_for_answers
from tests.llm_fakes import SlowChat, llm_app

FIRST = "Япония Бош вазири ким?"
SECOND = "Кто губернатор Токио?"
OUTSIDE = "http://198.51.100.9"  # TEST-NET-2: never reachable, and every request leaving loopback is recorded
MARKUP = (
    f'<img src="{OUTSIDE}/q.png" onerror="window.__savolPwned=1"> ![m]({OUTSIDE}/m.png) '
    f"[l]({OUTSIDE}/l) {OUTSIDE}/a &amp; *Кто* губернатор Токио?"
)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def slow_url(settings, serve_page):
    """The page over an LLM that takes a few seconds per answer, as a real one does (a fake: no LLM runs here)."""
    app = llm_app(settings, SlowChat(messages=iter(()), first="Япония Бош вазири", pause=3.0))
    with serve_page(app) as url:
        yield url


def test_question_sent_while_answering_waits_its_turn(browser, slow_url, tmp_path):
    """A second question sent mid-answer stays in the box with a notice, then is asked when the answer ends."""
    page = open_page(browser, slow_url, PHONE)
    page.fill("#savol-box textarea", FIRST)
    page.press("#savol-box textarea", "Enter")
    page.wait_for_selector("#savol-box .generating", timeout=10_000)
    page.fill("#savol-box textarea", SECOND)
    page.press("#savol-box textarea", "Enter")
    notice = page.locator("#savol-notice")
    notice.get_by_text(TEXTS["uz-Cyrl"].queued).wait_for(timeout=2_000)
    assert page.input_value("#savol-box textarea") == SECOND
    screenshot(page, tmp_path, "queued.png")
    wait_for_answers(page, 2, timeout=20_000)
    asked = page.locator('#savol-chat [data-testid="user"]').all_inner_texts()
    assert [q.strip() for q in asked] == [FIRST, SECOND]
    assert not notice.get_by_text(TEXTS["uz-Cyrl"].queued).is_visible()
    assert page.input_value("#savol-box textarea") == ""
    screenshot(page, tmp_path, "queued-answered.png")
    page.close()


def test_markup_in_a_question_shows_as_text_and_loads_nothing(browser, url, tmp_path):
    """An <img>, a Markdown image or link, a bare address or an entity in the reader's own question shows
    as typed: no element is made from it, nothing is fetched, no handler runs."""
    outside: list[str] = []
    page = open_page(browser, url, DESKTOP, outside=outside)
    ask(page, MARKUP)
    page.wait_for_timeout(500)  # give any injected handler its chance to fire
    question = page.locator('#savol-chat [data-testid="user"]').last
    assert question.inner_text().strip() == MARKUP
    assert question.locator("img, a, em").count() == 0
    assert page.evaluate("typeof window.__savolPwned") == "undefined"
    screenshot(page, tmp_path, "markup.png")
    page.close()
    assert outside == []
