"""Malformed requests against the real page: each is a 4xx with a JSON reason and exactly one log
line, never a 200 that fails later, a broken stream or a traceback (page/shapes.py).

Covered elsewhere: unknown endpoints and fn_index, bodies that are not JSON (test_requests.py),
oversized bodies (test_security.py).
"""

from __future__ import annotations

import json
import logging

import pytest

from tests.page_client import assert_still_serving, fn_index, request

JSON = {"Content-Type": "application/json"}
GOOD = "Кто губернатор Токио?"


@pytest.fixture
def one_line(caplog, capfd):
    """Run a request; then the log must hold exactly one record, and nothing a traceback."""
    caplog.set_level(logging.INFO)

    def check() -> str:
        out, err = capfd.readouterr()
        records = [r for r in caplog.records if r.name != "httpx"]
        assert len(records) == 1, [r.getMessage() for r in records]
        assert records[0].exc_info is None
        assert "Traceback" not in caplog.text + out + err
        return records[0].getMessage()

    return check


def _post(url: str, path: str, payload: dict) -> tuple[int, dict]:
    code, body = request(url, "POST", path, json.dumps(payload).encode(), JSON, timeout=20)
    return code, json.loads(body)


@pytest.mark.parametrize("data", [["Кто губернатор Токио?"], []], ids=["one value", "no value"])
def test_call_ask_with_short_data_is_400(url, one_line, data):
    code, reply = _post(url, "/gradio_api/call/ask", {"data": data})
    assert code == 400 and f"takes 2 values in data, not {len(data)}" in reply["detail"]
    assert "refused" in one_line()


def test_queue_join_with_short_data_is_400(url, one_line):
    code, reply = _post(
        url, "/gradio_api/queue/join", {"data": [GOOD], "fn_index": fn_index(url, "chat"), "session_hash": "short"}
    )
    assert code == 400 and "chat takes 3 values in data, not 1" in reply["detail"]
    one_line()


@pytest.mark.parametrize(
    "path",
    ["/gradio_api/call/ask/nonexistent", "/gradio_api/queue/data?session_hash=nonexistent"],
    ids=["event id", "session hash"],
)
def test_unknown_stream_is_404(url, one_line, path):
    code, body = request(url, "GET", path, timeout=20)
    assert code == 404 and "nonexistent" in json.loads(body)["detail"]
    one_line()


@pytest.mark.parametrize(
    "history",
    [["я" * 50] * 2000, [{"role": "user", "content": "a"}, "b"]],
    ids=["all strings", "one string"],
)
def test_plain_string_history_is_422_in_one_line(url, one_line, history):
    payload = {"data": [GOOD, history, {}], "fn_index": fn_index(url, "chat"), "session_hash": "plain"}
    code, reply = _post(url, "/gradio_api/queue/join", payload)
    assert code == 422 and "role/content" in reply["detail"]
    assert len(one_line()) < 300  # not one line per message


def _like_index(url: str) -> int:
    _, config = request(url, "GET", "/config")
    return next(d["id"] for d in json.loads(config)["dependencies"] if d["targets"] and d["targets"][0][1] == "like")


@pytest.mark.parametrize("index", [None, "abc", [], [1, 2, 3], True, -1], ids=repr)
def test_vote_with_forged_index_is_422(url, one_line, index, tmp_path):
    event = {"index": index, "value": "x", "liked": True}
    payload = {"data": [[], {}], "event_data": event, "fn_index": _like_index(url), "session_hash": "vote"}
    code, reply = _post(url, "/gradio_api/queue/join", payload)
    assert code == 422 and "index" in reply["detail"]
    one_line()


def test_good_requests_still_pass(url):
    """The checks refuse only what is malformed: a question, a chat turn and a vote still work."""
    assert_still_serving(url)
    code, reply = _post(
        url,
        "/gradio_api/queue/join",
        {"data": [[], {}], "event_data": {"index": 1, "value": "x", "liked": True}, "fn_index": _like_index(url)}
        | {"session_hash": "good-vote"},
    )
    assert code == 200 and "event_id" in reply
    code, body = request(url, "GET", "/gradio_api/queue/data?session_hash=good-vote", timeout=20)
    assert code == 200 and b"process_completed" in body
