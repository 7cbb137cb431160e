"""Malformed and oversized HTTP requests, as a script sends them: a 4xx with a short JSON
reason before anything runs, no traceback in the server log, and the next caller served."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import pytest

from tests.page_client import assert_still_serving, call, fn_index, request


def test_undecodable_request_body_is_refused(url, model_calls):
    """Bytes that are not UTF-8 JSON get a 4xx naming the problem; nothing runs, nothing breaks."""
    event, data = call(url, "ask", body=b'{"data": ["\xff\xfe \xc3(", null]}')
    assert event.startswith("http 4") and "There was an error parsing the body" in data, data
    assert model_calls == []
    assert_still_serving(url)


# (path, body): bodies a script can get wrong. "{example}" stands for the fn_index of the
# example loader, the one event Gradio ran outside the queue.
MALFORMED = [
    ("/gradio_api/run/predict", b"not json"),
    ("/gradio_api/run/predict", b"{}"),
    ("/gradio_api/run/predict", b'{"data": "x"}'),
    ("/gradio_api/run/predict", b'{"data": []}'),
    ("/gradio_api/run/predict", b'{"data": [], "fn_index": 999}'),
    ("/gradio_api/run/predict", b'{"data": ["x"], "fn_index": {example}}'),
    ("/gradio_api/run/predict", b'{"data": [99], "fn_index": {example}}'),
    ("/gradio_api/call/v2/ask", b"not json"),
    ("/gradio_api/call/v2/ask", b"[1, 2]"),
    ("/gradio_api/call/v2/ask", b"{}"),
    ("/gradio_api/call/v2/ask", b'{"nope": 5}'),
    ("/gradio_api/call/v2/ask", b'{"question": "?", "history": [], "extra": 1}'),
    ("/gradio_api/call/v2/nothere", b'{"question": "?"}'),
    ("/gradio_api/call/ask", b'{"data": "x"}'),
    ("/gradio_api/call/nothere", b'{"data": ["?"]}'),
]


@pytest.mark.parametrize(
    "path, body",
    MALFORMED,
    ids=[f"{p.rsplit('/', 2)[-2]}/{p.rsplit('/', 1)[-1]}:{b[:32].decode()}" for p, b in MALFORMED],
)
def test_malformed_api_body_is_a_4xx_with_a_short_message(url, capfd, model_calls, path, body):
    """A script's malformed request is its mistake: a 4xx with a short JSON reason, not a 500
    and a traceback in the server log; nothing runs, and the next caller is served."""
    example = fn_index(url, "load_example")
    capfd.readouterr()
    code, reply = request(
        url, "POST", path, body.replace(b"{example}", str(example).encode()), {"Content-Type": "application/json"}
    )
    assert 400 <= code < 500, (code, reply)
    assert json.loads(reply)["detail"] and len(reply) < 1_000
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err, out + err
    assert model_calls == []
    assert_still_serving(url)


@pytest.mark.parametrize("path", ["/gradio_api/call/ask", "/gradio_api/queue/join"])
def test_ten_megabyte_body_is_refused_before_parsing(url, model_calls, path):
    """A 10 MB body gets 413 with the limit, before Gradio parses (or logs) it; the server goes on."""
    body = json.dumps({"data": ["x" * 10_000_000, None], "fn_index": 0, "session_hash": "s"}).encode()
    status, reply = request(url, "POST", path, body, {"Content-Type": "application/json"})
    assert status == 413 and "1,000,000 bytes" in json.loads(reply)["detail"]
    assert model_calls == []
    assert_still_serving(url)


def test_ten_megabyte_chunked_body_is_refused(url, model_calls):
    """Without a Content-Length (chunked upload) the limit still holds: the bytes are counted."""

    def chunks():
        yield b'{"data": ["'
        for _ in range(100):
            yield b"x" * 100_000
        yield b'", null]}'

    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(
            "POST", "/gradio_api/call/ask", chunks(), {"Content-Type": "application/json"}, encode_chunked=True
        )
        response = conn.getresponse()
        assert response.status == 413 and b"1,000,000 bytes" in response.read()
    finally:
        conn.close()
    assert model_calls == []
    assert_still_serving(url)
