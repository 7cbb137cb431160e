"""Talking to a running chat page the way a script would: raw HTTP, the queue API, plain text."""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlparse

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


def plain(markdown: str) -> str:
    """The chat's Markdown back to the core's answer text: ``[\\[1\\]](#cite-…)`` -> ``[1]``; the
    answer's own sources, the HTML block after it, are left out."""
    answer = markdown.split("\n\n<details", 1)[0]
    return re.sub(r"\\(.)", r"\1", _LINK.sub(r"[\1]", answer))
