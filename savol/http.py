"""HTTP hardening for the chat page: ASGI middlewares that run before Gradio sees a request.

:func:`middleware` lists them for ``demo.launch(app_kwargs={"middleware": ...})``.
"""

from __future__ import annotations

import json

# A long chat sends its whole history with each question: 100 turns are ~200 KB. Anything
# much bigger is not a reader, and is refused before Gradio parses (or logs) it.
MAX_REQUEST_BYTES = 1_000_000


def middleware() -> list:
    """The middlewares, outermost first."""
    from starlette.middleware import Middleware

    return [Middleware(BodyLimit)]


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
                    from fastapi import HTTPException

                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return f"Request body is larger than {self.max_bytes:,} bytes; send a shorter question or history."

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": self._message()}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
