"""Talking to a running chat page the way a script would: raw HTTP, the queue API, plain text."""

from __future__ import annotations

import http.client
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlparse

_LINK = re.compile(r"\[\\\[(\d+)\\\]\]\(#cite-[0-9a-f-]+\)")


def request(url: str, method: str, path: str, body=None, headers=None, timeout=60) -> tuple[int, bytes]:
    """``(status, body)`` of one request, the path sent byte for byte (no `..` or %-escape clean-up)."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def status(url: str, method: str, path: str, body=None, headers=None, timeout=30) -> int:
    """The status of one request, read without its body (a heartbeat's stream never ends)."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body, headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


def login_response(url: str, user: str, password: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """POST the login form as the browser does: ``(status, headers, body)``."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        form = urlencode({"username": user, "password": password})
        conn.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def login(url: str, user: str, password: str) -> tuple[int, str]:
    """POST the login form as the browser does: ``(status, Cookie header value)``."""
    code, headers, _body = login_response(url, user, password)
    cookies = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return code, "; ".join(f"{k}={m.value}" for k, m in cookies.items())


def call(url: str, api: str, data: list | None = None, *, body: bytes | None = None) -> tuple[str, object]:
    """POST to ``/gradio_api/call/<api>`` and read its result: ``(event, data)``.

    ``event`` is "complete" or "error", or ``"http <status>"`` when the POST itself is refused.
    """
    raw = body if body is not None else json.dumps({"data": data}).encode()  # \\ud800 stays an escape
    status, reply = request(url, "POST", f"/gradio_api/call/{api}", raw, {"Content-Type": "application/json"})
    if status != 200:
        return f"http {status}", reply.decode("utf-8", "replace")
    event_id = json.loads(reply)["event_id"]
    _, stream = request(url, "GET", f"/gradio_api/call/{api}/{event_id}")
    events = re.findall(r"^event: (\w+)\ndata: (.*)$", stream.decode("utf-8"), flags=re.M)
    event, payload = events[-1]
    return event, json.loads(payload)


USER, PASSWORD = "reader", "s3cret-Пароль"  # the login of the `locked` page (conftest.py)


def fn_index(url: str, api: str) -> int:
    """The index Gradio gives the event named ``api`` on the page at ``url``."""
    _, config = request(url, "GET", "/config")
    return next(d["id"] for d in json.loads(config)["dependencies"] if d["api_name"] == api)


def assert_still_serving(url: str, question: str = "Кто губернатор Токио?", answer: str = "Юрико Коикэ") -> None:
    """The page still answers a good question (after whatever a test threw at it)."""
    event, data = call(url, "ask", [question, None])
    assert event == "complete" and answer in data[0]["answer"]


def join_queue(url: str, api: str, data: list, session: str = "page-client") -> list[dict]:
    """Send ``data`` to ``api`` the way the browser does (``/gradio_api/queue/join``, then the
    session's ``queue/data`` stream); every message of the stream, parsed. The body is
    ASCII JSON, so a lone surrogate travels as the escape a browser's JSON.stringify writes."""
    body = json.dumps({"data": data, "fn_index": fn_index(url, api), "session_hash": session}).encode()
    code, reply = request(url, "POST", "/gradio_api/queue/join", body, {"Content-Type": "application/json"})
    assert code == 200, reply
    try:
        _, stream = request(url, "GET", f"/gradio_api/queue/data?session_hash={session}")
    except http.client.IncompleteRead as cut:  # the server broke the stream off: what came before
        stream = cut.partial
    return [json.loads(line[6:]) for line in stream.decode("utf-8").splitlines() if line.startswith("data: ")]


def plain(markdown: str) -> str:
    """The chat's Markdown back to the core's answer text: ``[\\[1\\]](#cite-…)`` -> ``[1]``; the
    answer's own sources and its translation, the HTML blocks after it, are left out."""
    answer = markdown.split("\n\n<details", 1)[0].split('\n\n<div class="savol-translation"', 1)[0]
    return re.sub(r"\\(.)", r"\1", _LINK.sub(r"[\1]", answer))
