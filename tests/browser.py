"""Driving the chat page in Debian's Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
ANSWER_TIMEOUT_MS = 30_000

MISSING = f"Debian's Chromium is not at {CHROMIUM} (apt-get install chromium)"
# CI sets this (.ci/run): there a missing Chromium fails the browser tests instead of skipping them.
REQUIRE = "SAVOL_REQUIRE_BROWSER"


def skip_reason(chromium: Path = CHROMIUM, env: Mapping[str, str] = os.environ) -> str | None:
    """Why the browser tests are skipped here, or None when they run: they are skipped only when
    Chromium is missing and ``SAVOL_REQUIRE_BROWSER`` is unset."""
    return MISSING if not chromium.exists() and not env.get(REQUIRE) else None


needs_chromium = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")


def launch(playwright, chromium: Path = CHROMIUM):
    """Debian's Chromium under Playwright; a missing one fails the test, naming the fix."""
    if not chromium.exists():
        pytest.fail(f"{MISSING}; {REQUIRE} is set, so the browser tests must run", pytrace=False)
    return playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)


def open_page(browser, url: str, size: dict = DESKTOP, outside: list | None = None):
    """A fresh page of ``size`` at ``url``. With ``outside``, every request that leaves loopback
    is recorded there and never sent."""
    page = browser.new_page(viewport=size)
    if outside is not None:

        def only_loopback(route):
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
    page.goto(url)
    page.wait_for_selector("#savol-box textarea")
    return page


def bot_messages(page):
    return page.locator('#savol-chat [data-testid="bot"]')


def ask(page, question: str, answers: int | None = None):
    """Type ``question``, send it, and wait until the chat shows ``answers`` answers (default: one more)."""
    answers = bot_messages(page).count() + 1 if answers is None else answers
    page.fill("#savol-box textarea", question)
    page.press("#savol-box textarea", "Enter")
    wait_for_answers(page, answers)


def wait_for_answers(page, answers: int, timeout: int = ANSWER_TIMEOUT_MS) -> None:
    """Wait for ``answers`` answers in the chat, the last one finished (no answer is being written)."""
    page.wait_for_function(
        """n => document.querySelectorAll('#savol-chat [data-testid="bot"]').length >= n
               && !document.querySelector('#savol-box .generating')""",
        arg=answers,
        timeout=timeout,
    )


def screenshot(page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot under the test's tmp_path; its path is printed for the test output."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def in_viewport(page, selector: str) -> bool:
    """True when the element's top is on screen (the reader sees it without scrolling)."""
    return page.evaluate(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0; }""",
        selector,
    )
