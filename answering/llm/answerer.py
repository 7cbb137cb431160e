"""The LLM answerer: stream an answer from a chat model, check it, or fall back to quotes.

:meth:`LLMAnswerer.stream` yields progressively longer :class:`Answer`s while tokens
arrive (markers already resolved to their passages), then one final answer: the
post-checked LLM answer, or the extractive answer with a note saying why the LLM's
was not used. It never raises for anything the backend does, and never waits longer
than the timeout for a token.
"""

from __future__ import annotations

import email.utils
import itertools
import logging
import math
import queue
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from langchain_core.language_models.chat_models import BaseChatModel
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from answering.answer import Answer, Citation, ExtractiveAnswerer, refused
from answering.llm.check import (
    MARKER,
    SupportChecker,
    Unusable,
    marker_numbers,
    open_marker_start,
)
from answering.llm.prompt import build_messages
from ingest.settings import LLM_TIMEOUT_S
from retriever.hits import Hit

log = logging.getLogger("savol")

RETRIES = 1  # one more attempt after HTTP 429 or 5xx, then the extractive answer
RETRY_DELAY_S = 1.0  # a rate limit or a restarting server is often gone a second later (no Retry-After)
TOTAL_TIMEOUT_FACTOR = 3  # a server that drips tokens cannot hold an answer for more than 3 timeouts
_THINK = re.compile(r"<think>.*?(?:</think>\s*|$)", re.DOTALL)  # reasoning models' scratchpad


class LLMFailure(Exception):
    """The backend did not produce an answer; ``reason`` is shown to the reader."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def describe_failure(exc: BaseException, timeout: float) -> tuple[str, bool]:
    """A reader-facing reason for a backend error, and whether one retry may help (429, 5xx)."""
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    status = _status(exc)
    if status == 429:
        return "the LLM server is rate-limiting requests (HTTP 429)", True
    if status and status >= 500:
        return f"the LLM server failed (HTTP {status})", True
    if status:
        return f"the LLM server refused the request (HTTP {status}: {_short(exc)})", False
    names = {type(e).__name__ for e in chain}
    if isinstance(exc, ValueError) and "No generation chunks" in str(exc):  # LangChain: a stream of nothing
        return "it returned an empty answer", False
    if any(isinstance(e, TimeoutError) for e in chain) or any("Timeout" in n for n in names):
        return f"no reply within {timeout:g} s", False
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "the LLM server refused the connection (is it running?)", False
    if any(isinstance(e, ConnectionError) for e in chain) or names & {"APIConnectionError", "ConnectError"}:
        return "could not connect to the LLM server", False
    return f"the LLM failed ({type(exc).__name__}: {_short(exc)})", False


def retry_after(exc: BaseException) -> float | None:
    """Seconds a 429/503 reply's ``Retry-After`` header asks to wait (delta-seconds or an HTTP date)."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    value = headers.get("retry-after") if headers is not None and hasattr(headers, "get") else None
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) and status > 0 else None


def _short(exc: BaseException, limit: int = 120) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failure(state: RetryCallState) -> BaseException | None:
    """The exception of the attempt tenacity is judging."""
    return state.outcome.exception() if state.outcome is not None else None


def _content_text(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content or [])


class LLMAnswerer:
    """Answer from a chat model over the top ``k`` reranked passages, post-checked, with a safe fallback.

    Args:
        model: any LangChain chat model (``answering.llm.load_chat_model`` builds one from ``--llm``).
        checker: the post-check over the loaded store.
        fallback: the extractive answerer, used whenever the LLM's answer cannot be shown.
        name: ``llm:SPEC``, reported as the answer's ``answerer``.
        timeout: seconds to wait for the first token and between tokens.
        k: passages given to the model (and citable).
    """

    def __init__(
        self,
        model: BaseChatModel,
        checker: SupportChecker,
        fallback: ExtractiveAnswerer,
        name: str,
        timeout: float = LLM_TIMEOUT_S,
        k: int = 3,
        retries: int = RETRIES,
        retry_delay: float = RETRY_DELAY_S,
    ):
        self.model = model
        self.checker = checker
        self.fallback = fallback
        self.name = name
        self.timeout = timeout
        self.k = k
        self.retries = retries
        self.retry_delay = retry_delay

    def stream(self, question: str, evidence, *, earlier: str | None = None) -> Iterator[Answer]:
        """Partial answers as tokens arrive, then the checked answer or the extractive fallback.

        When the reranker says the article does not answer, the model is not asked: the
        reader gets the refusal at once, as from the extractive answerer.

        Args:
            question: the reader's question.
            evidence: the reranker's evidence; its first ``k`` passages are given to the model.
            earlier: the previous question, when this one is a follow-up.
        """
        lang = evidence.question.lang
        hits = list(evidence.hits)
        if evidence.refuse:
            yield refused(question, lang, evidence, answerer=self.name)
            return
        passages = hits[: self.k]
        if not passages:
            yield self._fallback(question, evidence, "no passages were retrieved")
            return
        messages = build_messages(question, passages, lang, earlier)
        text = ""
        try:
            for text in self._generate(messages):
                yield self._partial(question, lang, text, passages, hits)
            yield self.checker.answer(question, lang, _THINK.sub("", text), passages, hits, self.name)
        except (LLMFailure, Unusable) as exc:
            yield self._fallback(question, evidence, str(exc))

    # -- generation with retries and timeouts ------------------------------------

    def _generate(self, messages) -> Iterator[str]:
        """The accumulated text after each token; :class:`LLMFailure` when the backend fails.

        tenacity retries the start of the stream (up to the first token) on 429 and 5xx, waiting
        what ``Retry-After`` asks or ``retry_delay``; once a token is shown, a failure is final.
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            retry=retry_if_exception(lambda exc: self._judge(exc)[1]),
            wait=lambda state: self._judge(_failure(state))[2],
            sleep=lambda seconds: time.sleep(seconds),  # looked up when called, so tests can count the waits
            before_sleep=lambda state: log.info(
                "LLM %s: %s; retrying in %.1f s", self.name, *self._judge(_failure(state))[::2]
            ),
            reraise=True,
        )
        try:
            yield from retrying(self._start, messages)
        except LLMFailure:
            raise
        except Exception as exc:  # whatever the backend raises becomes a note, never a traceback
            reason = self._judge(exc)[0]
            log.warning("LLM %s failed: %s", self.name, reason, exc_info=log.isEnabledFor(logging.DEBUG))
            raise LLMFailure(reason) from exc

    def _start(self, messages) -> Iterator[str]:
        """The stream, started: its first text already received (so a failure before it can be retried)."""
        texts = self._watched(messages)
        first = next(texts, None)
        return iter(()) if first is None else itertools.chain([first], texts)

    def _judge(self, exc: BaseException | None) -> tuple[str, bool, float]:
        """Why the backend failed, whether to try again, and how long to wait first."""
        if exc is None or isinstance(exc, LLMFailure):  # savol's own timeouts: waiting again would not help
            return (str(exc), False, 0.0)
        reason, retryable = describe_failure(exc, self.timeout)
        wait = retry_after(exc)
        if retryable and wait is not None and wait > self.timeout:
            # Waiting that long would keep the reader waiting; the quotes are ready now.
            reason, retryable = f"{reason}; it asks to wait {wait:g} s", False
        return reason, retryable, self.retry_delay if wait is None else wait

    def _watched(self, messages) -> Iterator[str]:
        """Stream in a worker thread, so that no token wait can exceed the timeout."""
        chunks: queue.Queue = queue.Queue()
        stop = threading.Event()

        def work() -> None:
            try:
                for chunk in self.model.stream(messages):
                    if stop.is_set():
                        return
                    chunks.put(("token", _content_text(chunk.content)))
                chunks.put(("end", None))
            except BaseException as exc:  # handed to the reader's thread, which decides
                chunks.put(("error", exc))

        threading.Thread(target=work, name="savol-llm", daemon=True).start()
        deadline = time.monotonic() + self.timeout * TOTAL_TIMEOUT_FACTOR
        text = ""
        try:
            while True:
                left = deadline - time.monotonic()
                try:
                    kind, value = chunks.get(timeout=max(0.0, min(self.timeout, left)))
                except queue.Empty:
                    if left <= self.timeout:
                        raise LLMFailure(
                            f"no complete answer within {self.timeout * TOTAL_TIMEOUT_FACTOR:g} s"
                        ) from None
                    raise LLMFailure(f"no {'further ' if text else ''}reply within {self.timeout:g} s") from None
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                if value:
                    text += value
                    yield text
        finally:
            stop.set()

    # -- answers --------------------------------------------------------------------

    def _partial(self, question: str, lang: str, text: str, passages: list[Hit], hits: list[Hit]) -> Answer:
        """The answer so far, with the passages of every complete marker as its citations."""
        shown = _THINK.sub("", text)
        shown = shown[: open_marker_start(shown)].strip()
        citations, seen = [], set()
        for match in MARKER.finditer(shown):
            for n in marker_numbers(match.group(1)):
                if 1 <= n <= len(passages) and n not in seen:
                    seen.add(n)
                    citations.append(Citation.from_hit(n, passages[n - 1]))
        return Answer(question, shown, False, lang, citations=citations, retrieved=list(hits), answerer=self.name)

    def _fallback(self, question: str, evidence, reason: str) -> Answer:
        result = self.fallback.answer(question, evidence)
        result.warnings.append(
            f"The LLM answer ({self.name}) is not shown: {reason}. "
            "This is the extractive answer, quoted verbatim from the article."
        )
        return result
