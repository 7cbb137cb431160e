"""HTTP hardening for the chat page: ASGI middlewares that run before Gradio sees a request.

:func:`middleware` lists them for ``demo.launch(app_kwargs={"middleware": ...})``:

- :class:`BodyLimit`: a body over 1 MB gets 413 before anything parses it;
- :class:`LoginRequired`: with a login set (``SAVOL_AUTH``), every route but the login answers 401,
  and a client address that keeps failing to log in is made to wait (429, :class:`LoginThrottle`);
- :class:`MalformedApiCalls`: a malformed call to the API gets 400 with its reason, not a 500.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections import OrderedDict

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.requests import Request, cookie_parser

from page.gradio_internals import MALFORMED_ERRORS, session_user

# A long chat sends its whole history with each question: 100 turns are ~200 KB. Anything
# much bigger is not a reader, and is refused before Gradio parses (or logs) it.
MAX_REQUEST_BYTES = 1_000_000

# With a login set, only these answer without one (everything else gets 401):
LOGIN_FORM = "/login"  # POST (or "/login/"): Gradio's login form posts here; the user name must match exactly
LOGIN_PAGE = "/"  # GET: Gradio draws its login form here; answered with status 401 and without the
# description of the API that Gradio embeds in the page, so it names no endpoint
FRONTEND = ("/assets/", "/static/")  # GET/HEAD: Gradio's own build (scripts, styles, fonts), the same
# files in every Gradio install; the login form cannot be drawn without them
THEME = "/theme.css"  # the theme's stylesheet: locked like the rest, and written into the login page
# itself instead (without it the login fields have no borders and cannot be seen)
STARTUP = "/gradio_api/startup-events"  # GET, until it has run once: Gradio's launch() calls it, without a
# login, right after the server starts, and fails to start when refused; afterwards it is a no-op, and 401
# How Gradio's page template embeds the API description; the login page gets an empty one.
_API_INFO = re.compile(rb"(<script>window\.gradio_api_info = ).*?(;</script>)", re.S)
_NO_API = rb'\1{"named_endpoints": {}, "unnamed_endpoints": {}}\2'
NOT_LOGGED_IN = "Not authenticated; log in on the page first."
# The API routes (POST) where Gradio raises on a malformed body (unknown fn_index or endpoint,
# missing or unknown argument) before it answers, which uvicorn turns into a 500 and a traceback.
API_ROUTES = ("/gradio_api/run/", "/gradio_api/api/", "/gradio_api/call/", "/gradio_api/queue/join")
MALFORMED = (LookupError, TypeError, ValueError, *MALFORMED_ERRORS)

# Login back-off per client address: after LOGIN_FREE_FAILURES failed logins in a row, the next
# login is refused with 429 for LOGIN_BACKOFF_S seconds, doubling with each further failure up to
# LOGIN_BACKOFF_CAP_S; a successful login forgets the client's failures.
LOGIN_FREE_FAILURES = 10
LOGIN_BACKOFF_S = 1.0
LOGIN_BACKOFF_CAP_S = 300.0
LOGIN_CLIENTS_KEPT = 10_000  # addresses remembered (the oldest is forgotten): bounded memory
TOO_MANY_LOGINS = "Too many failed logins from this address; try again in {seconds} s."

log = logging.getLogger("savol")


def middleware() -> list:
    """The middlewares, outermost first."""
    return [Middleware(BodyLimit), Middleware(LoginRequired), Middleware(MalformedApiCalls)]


async def send_json(send, status: int, detail) -> None:
    """Answer with ``{"detail": detail}`` (FastAPI's error shape) and ``status``."""
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive) -> bytes:
    """The whole request body (BodyLimit, outside, caps its size)."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def replay(body: bytes):
    """A ``receive`` that hands ``body`` over again, for the app after a middleware read it."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 before anything parses it."""

    def __init__(self, app, max_bytes: int = MAX_REQUEST_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._refuse(send)
        received = 0

        async def counted():  # a chunked body has no length up front: count as it arrives
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return f"Request body is larger than {self.max_bytes:,} bytes; send a shorter question or history."

    async def _refuse(self, send) -> None:
        await send_json(send, 413, self._message())


class LoginThrottle:
    """Failed logins per client address, and how long each must wait before the next try."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # address -> (failures, wait until)

    def wait(self, client: str) -> int:
        """Whole seconds ``client`` must still wait before a login is tried (0: try now)."""
        _, until = self._failures.get(client, (0, 0.0))
        return max(0, math.ceil(until - self.clock()))

    def failed(self, client: str) -> None:
        count = self._failures.pop(client, (0, 0.0))[0] + 1
        over = count - LOGIN_FREE_FAILURES
        delay = 0.0 if over < 0 else min(LOGIN_BACKOFF_CAP_S, LOGIN_BACKOFF_S * 2 ** min(over, 32))
        self._failures[client] = (count, self.clock() + delay)
        while len(self._failures) > LOGIN_CLIENTS_KEPT:
            self._failures.popitem(last=False)
        if delay:
            log.info("login refused for %s for %.0f s after %d failures", client, delay, count)

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


async def send_too_many(send, seconds: int, detail: str) -> None:
    """Answer 429 with ``Retry-After: seconds`` and ``{"detail": detail}``."""
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class LoginRequired:
    """ASGI middleware: when the page has a login, a request without a valid session answers 401,
    on every route but the login form, the login page and what draws it (Gradio's frontend
    files; the theme's stylesheet is written into the login page).

    Gradio checks the login on some routes only; on the others (cancel, reset, heartbeat,
    startup-events, app_id, manifest.json, openapi.json…) anyone could act on a
    reader's session. This checks the cookie Gradio's own ``get_current_user`` checks, on
    every request. The user name at login must match exactly (Gradio strips spaces first).
    """

    def __init__(self, app):
        self.app = app
        self.throttle = LoginThrottle()

    async def __call__(self, scope, receive, send):
        gradio = scope.get("app")  # Starlette puts its application in the scope before any middleware
        if scope["type"] != "http" or not isinstance(getattr(gradio, "auth", None), dict):
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope.get("method")
        if method == "POST" and path.rstrip("/") == LOGIN_FORM:
            return await self._login(scope, receive, send, gradio.auth)
        if (
            self._user(scope, gradio) is not None
            or (method in ("GET", "HEAD") and path.startswith(FRONTEND))
            or (method == "GET" and path == STARTUP and not gradio.startup_events_triggered)
        ):
            return await self.app(scope, receive, send)
        if method == "GET" and path == LOGIN_PAGE:
            return await self._login_page(scope, receive, send)
        await send_json(send, 401, NOT_LOGGED_IN)

    @staticmethod
    def _user(scope, gradio) -> str | None:
        """The logged-in user the request's session cookie names, as Gradio's get_current_user finds it."""
        header = b"; ".join(v for k, v in scope.get("headers") or [] if k == b"cookie").decode("latin-1")
        return session_user(gradio, cookie_parser(header))

    async def _login(self, scope, receive, send, accounts: dict) -> None:
        """Gradio's login, after checking the client is not backing off and the user name is one of
        ``accounts`` as typed; the outcome counts toward the client's back-off."""
        client = (scope.get("client") or ("unknown", 0))[0]
        seconds = self.throttle.wait(client)
        if seconds:
            return await send_too_many(send, seconds, TOO_MANY_LOGINS.format(seconds=seconds))
        try:
            body = await read_body(receive)
            form = await Request(scope, replay(body)).form()
        except HTTPException as exc:  # BodyLimit's 413 for a chunked body, a malformed form
            return await send_json(send, exc.status_code, exc.detail)
        except (MultiPartException, ValueError):
            return await send_json(send, 400, "The login form could not be read.")
        user = form.get("username")
        await form.close()
        if not isinstance(user, str) or user not in accounts:
            self.throttle.failed(client)
            return await send_json(send, 400, "Incorrect credentials.")  # Gradio's words for a wrong login
        status = None

        async def watched(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replay(body), watched)
        if status == 200:
            self.throttle.succeeded(client)
        elif status is not None and 400 <= status < 500:
            self.throttle.failed(client)

    async def _login_page(self, scope, receive, send) -> None:
        """Gradio's login form with status 401, without the API description it embeds, and with the
        theme's stylesheet written into it (/theme.css itself needs the login)."""
        scope = dict(scope, query_string=b"")  # Gradio reads page= and all_endpoints= from it
        status, page_headers, page = await self._inner_get(scope, receive)
        code, _, css = await self._inner_get(dict(scope, path=THEME, raw_path=THEME.encode()), receive)
        body, found = _API_INFO.subn(_NO_API, page)
        if status != 200 or found != 1:  # Gradio changed its page: show nothing
            return await send_json(send, 401, NOT_LOGGED_IN)
        if code == 200 and b"</head>" in body:
            body = body.replace(b"</head>", b"<style>" + css.replace(b"</", b"<\\/") + b"</style></head>", 1)
        headers = [(k, v) for k, v in page_headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _inner_get(self, scope, receive) -> tuple[int | None, list, bytes]:
        """What the app behind this middleware answers to ``scope`` (status, headers, body), held back."""
        start, chunks = None, []

        async def hold(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, hold)
        if start is None:
            return None, [], b""
        return start["status"], start["headers"], b"".join(chunks)


class MalformedApiCalls:
    """ASGI middleware: on the API routes, a body Gradio raises on before answering gets 400
    with the reason, and one log line, instead of a 500 and a traceback."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or not scope["path"].startswith(API_ROUTES):
            return await self.app(scope, receive, send)
        answered = False

        async def watched(message):
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except MALFORMED as exc:
            if answered:
                raise
            reason = f"unknown endpoint or fn_index {exc.args[0]}" if isinstance(exc, KeyError) else str(exc)
            reason = reason.strip().splitlines()[0][:300] if reason.strip() else type(exc).__name__
            log.info("malformed request to %s refused: %s", scope["path"], reason)
            await send_json(send, 400, f"Malformed request: {reason}")
