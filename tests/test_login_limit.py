"""Login back-off (page/http.py, LoginThrottle): a client address that keeps failing to log in gets
429 with Retry-After, for a time that doubles up to a cap; a successful login forgets its failures."""

from __future__ import annotations

import json
import time

import pytest

from page import http as page_http
from page.http import LOGIN_BACKOFF_CAP_S, LOGIN_BACKOFF_S, LOGIN_FREE_FAILURES, LoginThrottle
from tests.page_client import PASSWORD, USER, login_response


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_back_off_doubles_up_to_the_cap_and_success_resets():
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(LOGIN_FREE_FAILURES - 1):
        throttle.failed("10.0.0.1")
        assert throttle.wait("10.0.0.1") == 0
    waits = []
    for _ in range(12):
        throttle.failed("10.0.0.1")
        waits.append(throttle.wait("10.0.0.1"))
        clock.now += waits[-1]  # waits it out, then fails again
    assert waits[:4] == [LOGIN_BACKOFF_S * 1, LOGIN_BACKOFF_S * 2, LOGIN_BACKOFF_S * 4, LOGIN_BACKOFF_S * 8]
    assert max(waits) == LOGIN_BACKOFF_CAP_S and waits[-1] == LOGIN_BACKOFF_CAP_S
    throttle.failed("10.0.0.1")
    assert throttle.wait("10.0.0.2") == 0  # per address
    throttle.succeeded("10.0.0.1")
    assert throttle.wait("10.0.0.1") == 0
    throttle.failed("10.0.0.1")
    assert throttle.wait("10.0.0.1") == 0  # counting starts again


def test_remembers_a_bounded_number_of_addresses(monkeypatch):
    monkeypatch.setattr(page_http, "LOGIN_CLIENTS_KEPT", 100)
    throttle = LoginThrottle(Clock())
    for n in range(1000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(throttle._failures) == 100


def _login(url: str, user: str, password: str) -> tuple[int, dict, dict]:
    code, headers, body = login_response(url, user, password)
    return code, {k.lower(): v for k, v in headers.items()}, json.loads(body or b"{}")


@pytest.fixture(scope="module")
def own_locked(app, serve_page):
    """A locked page of this module's own, so its failures count nowhere else."""
    with serve_page(app, auth=f"{USER}:{PASSWORD}") as url:
        yield url


def test_repeated_failed_logins_get_429_with_retry_after(own_locked):
    for n in range(LOGIN_FREE_FAILURES):
        code, _, _ = _login(own_locked, USER if n % 2 else "admin", "wrong")  # wrong password and wrong user
        assert code == 400
    code, headers, reply = _login(own_locked, USER, PASSWORD)  # even the right password must wait
    assert code == 429 and int(headers["retry-after"]) >= 1 and "Too many failed logins" in reply["detail"]
    time.sleep(int(headers["retry-after"]) + 0.2)
    code, _, _ = _login(own_locked, USER, PASSWORD)
    assert code == 200  # and the failures are forgotten:
    for _ in range(LOGIN_FREE_FAILURES):
        assert _login(own_locked, USER, "wrong")[0] == 400
