"""``POST /api/ask``: the JSON API for programs, on Gradio's own FastAPI app beside the page.

It answers with the object of ``savol ask --json`` (:meth:`Answer.to_dict`), outside Gradio's queue
and event stream: the answer runs in a thread pool of ``settings.concurrency_limit`` workers, with
at most ``settings.queue_size`` requests waiting. Past that, 429 with ``Retry-After``, never a 5xx.
The page's middlewares guard it like every route (login, body size). :func:`routes` goes into
``launch(app_kwargs={"routes": ...})``; :func:`attach` gives the route the page's ``Savol``.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from answering.chain import Savol
from answering.errors import BadQuestion
from ingest.errors import SavolError

PATH = "/api/ask"
RETRY_AFTER_S = 1
SERVICE = "savol_api"  # the Blocks attribute holding the page's ApiService

log = logging.getLogger("savol")


class AskRequest(BaseModel):
    """A question about the article, with the reader's earlier questions for a follow-up."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="The question, at most 2,000 characters.")
    history: list[str] | None = Field(default=None, description="Earlier questions, oldest first (optional).")


class AskAnswer(BaseModel):
    """The object of `savol ask --json`."""

    model_config = ConfigDict(extra="allow")
    question: str
    answer: str
    refused: bool
    lang: str
    answerer: str
    translation: str | None = Field(default=None, description="The answer in the reader's language (savol's).")
    translation_lang: str | None = None
    citations: list[dict[str, Any]]
    retrieved: list[dict[str, Any]]
    evidence_score: float
    warnings: list[str]
    timings_ms: dict[str, float]


class Problem(BaseModel):
    detail: str


class ApiService:
    """The page's ``Savol``, with the bound on how many API answers run and wait at once."""

    def __init__(self, app: Savol):
        self.app = app
        self.workers = max(1, app.settings.concurrency_limit)
        self.capacity = self.workers + max(0, app.settings.queue_size)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="savol-api")
        self.admitted = 0  # running or waiting; touched only on the event loop

    async def ask(self, body: AskRequest) -> JSONResponse:
        if self.admitted >= self.capacity:
            log.info("api/ask refused: %d requests already running or waiting", self.admitted)
            return problem(429, "The server is busy; try again in a second.", {"Retry-After": str(RETRY_AFTER_S)})
        self.admitted += 1
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                self.pool, lambda: self.app.ask(body.question, history=body.history).to_dict()
            )
        except BadQuestion as exc:
            log.info("question refused: %s", exc)
            return problem(400, str(exc))
        except SavolError as exc:
            log.error("cannot answer: %s", exc)
            return problem(503, "The index cannot serve; ask the operator to run: savol ingest --rebuild")
        finally:
            self.admitted -= 1
        return JSONResponse(result)


def problem(status: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def attach(demo, app: Savol) -> None:
    """Give ``demo``'s ``/api/ask`` the page's ``app``."""
    setattr(demo, SERVICE, ApiService(app))


async def ask(body: AskRequest, request: Request):
    """Answer a question about the article: the JSON object of `savol ask --json`."""
    service = getattr(request.app.get_blocks(), SERVICE, None)
    if service is None:
        return problem(404, "This page has no API.")
    return await service.ask(body)


def routes() -> list[APIRoute]:
    """The API's routes, for ``launch(app_kwargs={"routes": routes()})``."""
    answers = {400: {"model": Problem}, 429: {"model": Problem}, 503: {"model": Problem}}
    return [APIRoute(PATH, ask, methods=["POST"], response_model=AskAnswer, responses=answers, tags=["savol"])]
