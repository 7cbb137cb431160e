"""POST /api/ask (page/api.py): the `savol ask --json` object over plain JSON, beside the page,
behind the same login, described in OpenAPI, and 429 with Retry-After when full."""

from __future__ import annotations

import json
import threading

import pytest

import page.app as page_app
from page.api import SERVICE
from tests.page_client import PASSWORD, USER, login, request

JSON = {"Content-Type": "application/json"}
GOOD = "Кто губернатор Токио?"


def _ask(url: str, payload, headers=None) -> tuple[int, dict]:
    code, body = request(url, "POST", "/api/ask", json.dumps(payload).encode(), JSON | (headers or {}))
    return code, json.loads(body)


@pytest.fixture(scope="module")
def served(app, serve_page):
    """The page over the shared app, with a hand on its Blocks."""
    demo = page_app.build_app(app)
    with serve_page(app, demo=demo) as url:
        yield url, demo


def test_answers_like_savol_ask_json(served, app):
    url, _ = served
    code, reply = _ask(url, {"question": GOOD})
    expected = app.ask(GOOD).to_dict()
    assert code == 200
    for key in ("answer", "refused", "lang", "citations", "evidence_score"):
        assert reply[key] == expected[key]
    code, reply = _ask(
        url, {"question": "Унинг президенти ким?", "history": ["Hitachi Construction Machinery нима қилади?"]}
    )
    assert code == 200 and "Сэнзаки" in reply["answer"]


@pytest.mark.parametrize(
    "payload, status, words",
    [
        ({"question": ""}, 400, "The question is empty"),
        ({"question": "я" * 2001}, 400, "2,000"),
        ({"question": 3}, 422, "valid string"),
        ({"q": GOOD}, 422, "Field required"),
        ({"question": GOOD, "history": "x"}, 422, "valid list"),
    ],
)
def test_bad_input_is_a_4xx_with_a_reason(served, payload, status, words, caplog):
    code, reply = _ask(served[0], payload)
    assert code == status and words in json.dumps(reply, ensure_ascii=False)
    assert "Traceback" not in caplog.text


def test_full_api_answers_429_with_retry_after(served):
    url, demo = served
    service = getattr(demo, SERVICE)
    capacity, service.capacity = service.capacity, 0
    try:
        code, reply = _ask(url, {"question": GOOD})
    finally:
        service.capacity = capacity
    assert code == 429 and "busy" in reply["detail"]
    assert _ask(url, {"question": GOOD})[0] == 200


def test_burst_is_answered_or_429_never_5xx(served):
    url, demo = served
    service = getattr(demo, SERVICE)
    capacity, service.capacity = service.capacity, 4
    codes: list[int] = []
    try:
        threads = [threading.Thread(target=lambda: codes.append(_ask(url, {"question": GOOD})[0])) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        service.capacity = capacity
    assert set(codes) <= {200, 429} and codes.count(200) >= 4 and len(codes) == 24


def test_described_in_openapi(served):
    code, body = request(served[0], "GET", "/openapi.json")
    spec = json.loads(body)["paths"]["/api/ask"]["post"]
    assert code == 200 and "AskRequest" in json.dumps(spec) and "AskAnswer" in json.dumps(spec)


def test_same_login_as_the_page(app, serve_page):
    with serve_page(app, auth=f"{USER}:{PASSWORD}") as url:
        assert _ask(url, {"question": GOOD})[0] == 401
        code, cookie = login(url, USER, PASSWORD)
        assert code == 200
        code, reply = _ask(url, {"question": GOOD}, {"Cookie": cookie})
        assert code == 200 and "Юрико Коикэ" in reply["answer"]
