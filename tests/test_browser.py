"""The chat page in a real browser: Debian's Chromium driven by Playwright (never a downloaded one)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import chat_app
from savol.feedback import FEEDBACK_FILE
from savol.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / ".savol" / "screenshots"  # .savol/ is git-ignored
QUESTION = "Тоқаев Токиода ким билан учрашди?"
ANSWER_TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's Chromium is not at /usr/bin/chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _ask(browser, url: str, width: int, height: int, question: str = QUESTION, example: bool = False):
    """A fresh page of the given size with ``question`` typed (or its example clicked) and answered."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    if example:
        page.get_by_text(question, exact=True).click()
    else:
        page.fill("#savol-box textarea", question)
        page.press("#savol-box textarea", "Enter")
    page.wait_for_selector("#savol-sources mark", timeout=ANSWER_TIMEOUT_MS)
    return page


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_answer_cites_a_source_with_the_quote_highlighted(browser, url, app):
    """A reader types a question and sees the quoted answer, its [n] marker and the marked source."""
    page = _ask(browser, url, 1280, 900)
    expected = app.ask(QUESTION)
    marker = page.locator('#savol-chat a[href^="#cite-"]').first
    assert marker.inner_text() == "[1]"
    assert expected.sentences[0][0] in page.locator("#savol-chat").inner_text()
    assert expected.citations[0].quote in page.locator("#savol-sources mark").first.inner_text()
    _screenshot(page, "desktop.png")
    page.close()


def test_marker_opens_the_passage_in_context(browser, url):
    """Clicking [1] shows the passage between its neighbouring paragraphs, quote still marked."""
    page = _ask(browser, url, 1280, 900)
    page.locator('#savol-chat a[href^="#cite-"]').first.click()
    page.wait_for_selector("#savol-context .savol-focus mark", timeout=10_000)
    assert page.locator("#savol-context .savol-around").count() >= 1
    _screenshot(page, "desktop-context.png")
    page.close()


def test_phone_width_fits_without_sideways_scrolling(browser, url):
    """On a 390 px phone the page wraps into one column: nothing wider than the screen.

    The question comes from a clicked example, which must send it without typing.
    """
    page = _ask(browser, url, 390, 844, chat_app.EXAMPLES[3], example=True)
    assert chat_app.EXAMPLES[3] in page.locator("#savol-chat").inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    chat, sources = page.locator("#savol-chat").bounding_box(), page.locator("#savol-sources").bounding_box()
    assert sources["y"] > chat["y"] + chat["height"] - 1  # stacked, not side by side
    _screenshot(page, "phone.png")
    page.close()


def test_like_button_records_the_vote(browser, url, app):
    """The thumbs-up under an answer appends a 'like' line to the feedback file."""
    path = app.settings.feedback_dir / FEEDBACK_FILE
    before = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    page = _ask(browser, url, 1280, 900)
    page.get_by_label("Like", exact=True).last.click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) > len(before):
            break
        time.sleep(0.1)
    record = json.loads(lines[-1])
    assert record["vote"] == "like" and record["question"] == QUESTION and record["citations"]
    page.close()
