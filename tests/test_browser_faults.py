"""Faults and the login as a reader meets them in a real browser (Debian's Chromium via
Playwright), at desktop and phone sizes. Screenshots go to pytest's tmp_path; their paths are
printed, so they show in the test output (`pytest -rP`)."""

from __future__ import annotations

import pytest

from page.text import TEXTS
from tests.browser import ANSWER_TIMEOUT_MS, SIZES, needs_chromium, open_page
from tests.page_client import PASSWORD, USER

GOOD = "Кто губернатор Токио?"
GOVERNOR = "Юрико Коикэ"
LONG = "Тоқаев Токиода ким билан учрашди? " * 80  # 2,720 characters, pasted at once

pytestmark = needs_chromium


def _screenshot(page, tmp_path, name: str) -> None:
    """The screen as the reader sees it (a notice floats over it), and the whole page."""
    for suffix, full_page in (("", False), ("-full", True)):
        path = tmp_path / f"{name}{suffix}.png"
        page.screenshot(path=str(path), full_page=full_page)
        print(f"screenshot: {path}")


def _notices(page) -> list[str]:
    """The texts of the notices (Gradio's toasts) the page shows, once the first has appeared;
    each must lie inside the screen, where the reader sees it."""
    page.wait_for_selector(".toast-message-text", timeout=10_000)
    page.wait_for_function(  # toasts fade in
        "[...document.querySelectorAll('.toast-body')].every(t => getComputedStyle(t).opacity === '1')"
    )
    view = page.viewport_size
    for box in (t.bounding_box() for t in page.locator(".toast-body").all()):
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= view["width"] and 0 <= box["y"] < view["height"]
    return page.locator(".toast-message-text").all_inner_texts()


@pytest.mark.parametrize("size", SIZES)
def test_login_form_still_works_behind_the_lock(browser, locked, tmp_path, size):
    """With every other route at 401, the login form still draws (from `/`, which carries the theme's
    stylesheet, and Gradio's own files), a reader who logs in gets the page, and the answer comes as usual."""
    page = browser.new_page(viewport=size)
    refused = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 401 else None)
    page.goto(locked)
    page.wait_for_selector("input[type=password]", timeout=10_000)
    _screenshot(page, tmp_path, f"login-{size['width']}")
    assert page.locator("#savol-box").count() == 0
    # the theme styles the form: its fields have borders (without the stylesheet they have none)
    assert page.evaluate("getComputedStyle(document.querySelector('input[type=password]')).borderTopWidth") != "0px"
    page.fill("input[type=text]", USER)
    page.fill("input[type=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#savol-box textarea", timeout=20_000)
    page.fill("#savol-box textarea", GOOD)
    page.press("#savol-box textarea", "Enter")
    # The answer's own sources come under it (folded) with its last step.
    page.wait_for_selector("#savol-chat .savol-sources mark", state="attached", timeout=ANSWER_TIMEOUT_MS)
    assert GOVERNOR in page.locator("#savol-chat").inner_text()
    _screenshot(page, tmp_path, f"logged-in-{size['width']}")
    page.close()
    # Only the login page itself, and the theme's stylesheet the page already carries, answered 401.
    assert [url.split("?")[0] for url in refused] == [locked, locked + "theme.css"]


@pytest.mark.parametrize("size", SIZES)
def test_long_pasted_question_stays_whole_and_the_reader_is_told(browser, url, tmp_path, size):
    """A question pasted past the 2,000-character limit is not cut to fit (the reader would get
    an answer to half a question): it stays whole in the box, and sending it says how long it is
    and what the limit is, in the question's language (Uzbek Cyrillic here)."""
    page = open_page(browser, url, size)
    page.focus("#savol-box textarea")
    page.keyboard.insert_text(LONG)  # as a paste: one input, no key presses
    assert page.input_value("#savol-box textarea") == LONG
    page.press("#savol-box textarea", "Enter")
    length = f"{len(' '.join(LONG.split())):,}".replace(",", "\u00a0")
    assert _notices(page) == [
        f"{TEXTS['uz-Cyrl'].bad_question}: Савол {length} белгидан иборат, чегара — 2\u00a0000. Уни қисқартиринг."
    ]
    assert page.input_value("#savol-box textarea") == LONG
    assert page.locator("#savol-chat .message").count() == 0
    _screenshot(page, tmp_path, f"long-question-{size['width']}")
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_lone_surrogate_gets_the_bad_question_notice(browser, url, tmp_path, size):
    """A lone surrogate (a script or a broken paste can put one in the box; the browser sends it
    as "\\ud800") gets the usual one-line notice, not an error, and the question stays in the
    box, its bad character shown as U+FFFD. The notice is in the question's language (Russian)."""
    page = open_page(browser, url, size)
    page.evaluate("""() => {
        const box = document.querySelector('#savol-box textarea');
        box.value = 'Кто губернатор \\ud800Токио?';
        box.dispatchEvent(new Event('input', {bubbles: true}));
    }""")
    page.press("#savol-box textarea", "Enter")
    t = TEXTS["ru"]
    assert _notices(page) == [f"{t.bad_question}: {t.not_utf8}"]
    page.wait_for_timeout(1_000)  # a broken answer stream marks the chat, box and context panel "Error"
    assert page.get_by_text("Error", exact=True).count() == 0 and page.locator(".toast-body.error").count() == 0
    assert page.input_value("#savol-box textarea") == "Кто губернатор \ufffdТокио?"
    _screenshot(page, tmp_path, f"lone-surrogate-{size['width']}")
    page.close()


@pytest.mark.parametrize(
    "question, lang",
    [
        ("Кто губернатор Токио? " * 100, "ru"),
        ("Tokio gubernatori kim? " * 100, "uz-Latn"),
    ],
    ids=["ru", "uz-Latn"],
)
def test_a_notice_is_headed_in_the_questions_language(browser, url, tmp_path, question, lang):
    """Gradio heads every notice with its own English "Warning" whatever title it is given: the
    page relabels it, so a Russian reader's notice is not headed in English."""
    page = open_page(browser, url)
    page.focus("#savol-box textarea")
    page.keyboard.insert_text(question)
    page.press("#savol-box textarea", "Enter")
    assert _notices(page)[0].startswith(TEXTS[lang].bad_question)
    page.wait_for_function(
        f"document.querySelector('.toast-title')?.textContent.trim() === {TEXTS[lang].warning!r}", timeout=5_000
    )
    _screenshot(page, tmp_path, f"notice-title-{lang}")
    page.close()
