"""Every way the LLM step can fail (refused, unreachable, slow, rate-limited, empty) falls back
to the extractive answer with a note; retries are bounded and honour Retry-After."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace

import httpx
import pytest

from answering.chain import Savol
from answering.llm.answerer import retry_after
from eval.page_server import free_port
from tests.llm_fakes import (
    FACT,
    QUESTION,
    TIMEOUT_S,
    SlowChat,
    StatusError,
    llm_app,
    n_with,
    scripted,
)

# -- fallback ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "script, reason",
    [
        ((ConnectionRefusedError(111, "Connection refused"),), "refused the connection"),
        ((httpx.ConnectError("Name or service not known"),), "could not connect to the LLM server"),
        ((httpx.ReadTimeout("timed out"),), "no reply within 30 s"),
        ((TimeoutError(),), "no reply within 30 s"),
        ((StatusError(429), StatusError(429)), "rate-limiting requests (HTTP 429)"),
        ((StatusError(503), StatusError(502)), "the LLM server failed (HTTP 502)"),
        ((StatusError(404),), "refused the request (HTTP 404"),
        (("",), "it returned an empty answer"),
        (("   \n",), "it returned an empty answer"),
        (
            ("You answer questions about one news article. You are given numbered passages from it.",),
            "it repeated its instructions",
        ),
        ((RuntimeError("model exploded"),), "the LLM failed (RuntimeError: model exploded)"),
    ],
    ids=["refused", "unreachable", "read-timeout", "timeout", "429", "5xx", "404", "empty", "blank", "echo", "other"],
)
def test_every_failure_falls_back_to_quotes_with_a_note(settings, app, script, reason):
    """Whatever the backend does, the reader gets the extractive answer and one sentence saying why."""
    result = llm_app(settings, scripted(*script)).ask(QUESTION)
    assert result.answerer == "extractive"
    assert result.answer == app.ask(QUESTION).answer
    (note,) = result.warnings
    assert reason in note and "extractive answer" in note and "Traceback" not in note


def test_429_is_retried_once_and_then_answers(settings, docs):
    """A passing rate limit costs one retry, not the LLM answer."""
    n = n_with(docs, "Такаичи")
    model = scripted(StatusError(429), f"{FACT} [{n}]")
    result = llm_app(settings, model).ask(QUESTION)
    assert result.answerer.startswith("llm:") and model.calls == 2


def test_retries_are_bounded(settings):
    """Three 5xx in a row: two attempts, then the fallback; never a loop."""
    model = scripted(StatusError(500), StatusError(500), f"{FACT} [1]")
    result = llm_app(settings, model).ask(QUESTION)
    assert result.answerer == "extractive" and model.calls == 2


def test_silent_model_times_out(settings):
    """No first token within --llm-timeout: fall back at once instead of waiting."""
    started = time.perf_counter()
    result = llm_app(settings, SlowChat(messages=iter(()), pause=5.0), timeout=TIMEOUT_S).ask(QUESTION)
    assert time.perf_counter() - started < 3
    assert result.answerer == "extractive" and f"no reply within {TIMEOUT_S:g} s" in result.warnings[0]


def test_stall_between_streamed_tokens_times_out(settings):
    """A model that starts and then stalls is cut off too; the partial text is replaced, not left hanging."""
    app = llm_app(settings, SlowChat(messages=iter(()), first="Санаэ", pause=5.0), timeout=TIMEOUT_S)
    started = time.perf_counter()
    steps = list(app.stream(QUESTION))
    assert time.perf_counter() - started < 3
    assert steps[0].answer == "Санаэ" and steps[0].answerer.startswith("llm:")
    assert steps[-1].answerer == "extractive"
    assert f"no further reply within {TIMEOUT_S:g} s" in steps[-1].warnings[0]


def test_closed_port_falls_back_with_a_note(settings, app, monkeypatch):
    """A real OpenAI-compatible client against a loopback port nobody listens on."""
    pytest.importorskip("langchain_openai", reason="needs the [openai] extra: pip install -e '.[openai]'")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    started = time.perf_counter()
    result = Savol(replace(settings, llm="openai:any-model", llm_timeout=10)).ask(QUESTION)
    assert time.perf_counter() - started < 10
    assert result.answerer == "extractive" and result.answer == app.ask(QUESTION).answer
    assert "LLM answer (llm:openai:any-model) is not shown" in result.warnings[0]
    assert "refused the connection" in result.warnings[0]


def test_cli_closed_port_prints_the_note_not_a_traceback(built_index):
    """`savol ask --llm` with the server down: exit 0, the quoted answer, a note line, no traceback."""
    pytest.importorskip("langchain_openai", reason="needs the [openai] extra: pip install -e '.[openai]'")
    env = dict(
        os.environ,
        SAVOL_INDEX=str(built_index),
        PYTHONIOENCODING="utf-8",
        OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "savol.cli", "ask", QUESTION, "--llm", "openai:m", "--llm-timeout", "5"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "Такаичи" in out and "The LLM answer (llm:openai:m) is not shown" in out  # under the reader's "Note"
    assert "Traceback" not in out + err


# -- Retry-After ------------------------------------------------------------------------


def test_retry_waits_as_long_as_the_server_asks(settings, docs, monkeypatch):
    """A 429 with ``Retry-After: 0.3`` is retried after 0.3 s, not the default second."""
    waits = []
    monkeypatch.setattr("answering.llm.answerer.time.sleep", waits.append)
    model = scripted(StatusError(429, retry_after="0.3"), f"{FACT} [{n_with(docs, 'Такаичи')}]")
    result = llm_app(settings, model).ask(QUESTION)
    assert result.answerer.startswith("llm:") and model.calls == 2 and waits == [0.3]


def test_a_wait_longer_than_the_timeout_is_not_waited_for(settings, app, monkeypatch):
    """Told to come back in two minutes, savol answers with quotes now and says why."""
    waits = []
    monkeypatch.setattr("answering.llm.answerer.time.sleep", waits.append)
    model = scripted(StatusError(503, retry_after="120"), f"{FACT} [1]")
    result = llm_app(settings, model, timeout=30.0).ask(QUESTION)
    assert result.answerer == "extractive" and model.calls == 1 and waits == []
    assert result.answer == app.ask(QUESTION).answer
    assert "HTTP 503" in result.warnings[0] and "asks to wait 120 s" in result.warnings[0]


@pytest.mark.parametrize(
    "header, expected",
    [("2", 2.0), (" 0 ", 0.0), ("-5", 0.0), ("soon", None), ("", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_header_forms(header, expected):
    """Delta-seconds or an HTTP date (a past date means now); anything else is ignored."""
    assert retry_after(StatusError(429, retry_after=header)) == expected


def test_retry_after_in_an_http_date_counts_from_now():
    when = time.time() + 90
    header = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when))
    assert 80 <= retry_after(StatusError(429, retry_after=header)) <= 91


def test_no_response_or_header_means_no_retry_after():
    assert retry_after(RuntimeError("boom")) is None and retry_after(StatusError(429)) is None
