"""Request shapes: an ASGI middleware that refuses, with a 4xx and one log line, what Gradio would
accept and then fail on with a traceback in the log.

- ``POST /gradio_api/call/<api>`` and ``/gradio_api/queue/join``: ``data`` must hold as many values
  as the event takes inputs (Gradio counts them only when the event runs: 200, then
  ``error: null`` and a ValueError traceback); a chat history must be a list of
  ``{"role", "content"}`` messages (else a pydantic traceback listing every message); a vote's
  ``index`` must be a message index (an integer, or ``[row, column]``).
- ``GET /gradio_api/call/<api>/<event_id>`` and ``/gradio_api/queue/data?session_hash=…``: the event
  or session must have a stream in the queue (else Gradio answers 200, then breaks the stream off
  with a 5 KB traceback).

Gradio's own lookups it repeats are in :mod:`page.gradio_internals`.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from page import gradio_internals as gi
from page import http
from page.http import read_body, replay, send_json

PREFIX = "/gradio_api"
POSTS = (PREFIX + "/call/", PREFIX + "/queue/join")

log = logging.getLogger("savol")


class Refused(Exception):
    """A request refused before Gradio sees it: ``status`` and the one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def vote_index_ok(index) -> bool:
    """Whether ``index`` names a message as Gradio sends it: an integer, or ``[row, column]``."""

    def integer(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if isinstance(index, list):
        return 1 <= len(index) <= 2 and all(integer(v) for v in index)
    return integer(index)


def check_call(blocks, path: str, body: bytes) -> None:
    """Raise :class:`Refused` when a POST to ``path`` with ``body`` would fail inside Gradio."""
    try:
        payload = json.loads(body)
    except ValueError:
        return  # not JSON: Gradio's own 422
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return  # Gradio's own 422 names the missing or mistyped field
    simple = path.startswith(PREFIX + "/call/")
    if simple:
        name = path[len(PREFIX + "/call/") :].strip("/")
        if "/" in name:  # /call/v2/<api> takes a dict body; Gradio checks it
            return
        fn = gi.find_event(blocks, api_name=name)
    else:
        fn = gi.find_event(blocks, fn_index=payload.get("fn_index"))
    if fn is None:
        return  # an unknown endpoint: MalformedApiCalls (page/http.py) answers 400
    data = payload["data"]
    counts = gi.input_counts(fn, simple=simple)
    if len(data) not in counts:
        wanted = " or ".join(str(n) for n in sorted(counts))
        raise Refused(400, f"{fn.name} takes {wanted} values in data, not {len(data)}")
    for position, model in gi.input_models(fn).items():
        if position < len(data) and data[position] is not None:
            try:
                model.model_validate(data[position])
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise Refused(
                    422, f"chat history is not a list of role/content messages ({exc.error_count()} errors; {where})"
                ) from None
    if "like" in gi.event_names(fn):
        event = payload.get("event_data")
        index = event.get("index") if isinstance(event, dict) else None
        if not vote_index_ok(index):
            raise Refused(422, f"a vote's index must be a message number, not {json.dumps(index)[:40]}")


def check_stream(blocks, path: str, query: bytes) -> None:
    """Raise :class:`Refused` when the stream a GET asks for does not exist."""
    if path.startswith(PREFIX + "/call/"):
        event_id = path.rstrip("/").rsplit("/", 1)[-1]
        if not gi.stream_open(blocks, gi.event_session(blocks, event_id)):
            raise Refused(404, f"no event {event_id[:40]!r}; POST the call first and use the event_id it returns")
        return
    session = parse_qs(query.decode("latin-1")).get("session_hash", [None])[0]
    if session is not None and not gi.stream_open(blocks, session):
        raise Refused(404, f"no queued event for session_hash {session[:40]!r}; join the queue first")


def middleware() -> list:
    """The page's middlewares, outermost first: page/http.py's, then :class:`RequestShapes` (after the login)."""
    return [*http.middleware(), Middleware(RequestShapes)]


class RequestShapes:
    """ASGI middleware: the checks above, before Gradio sees the request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        gradio = scope.get("app")
        if scope["type"] != "http" or not hasattr(gradio, "get_blocks"):
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope.get("method")
        try:
            if method == "POST" and path.startswith(POSTS):
                body = await read_body(receive)
                check_call(gradio.get_blocks(), path, body)
                receive = replay(body)
            elif method == "GET" and (path.startswith(PREFIX + "/call/") or path == PREFIX + "/queue/data"):
                check_stream(gradio.get_blocks(), path, scope.get("query_string", b""))
        except HTTPException as exc:  # BodyLimit's 413 for a chunked body, counted as it is read
            return await send_json(send, exc.status_code, exc.detail)
        except Refused as exc:
            log.info("malformed request to %s refused: %s", path, exc)
            return await send_json(send, exc.status, f"Malformed request: {exc}")
        await self.app(scope, receive, send)
