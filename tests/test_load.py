"""Load: many users at once, a full queue, sessions kept apart, memory bounded.

Fast versions only; the 20 users x 10 questions run is `python -m eval.load`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
from gradio_client import Client
from gradio_client.utils import QueueError

import page.app as page_app
import page.serve as page_serve
from answering.chain import Savol
from eval import load
from eval.dataset import load_dataset
from ingest.settings import PROJECT_ROOT
from tests.page_client import call, plain

GOOD = "Кто губернатор Токио?"
GOVERNOR = "Юрико Коикэ"
FOLLOW_UP = "Унинг президенти ким?"


@pytest.fixture(scope="module")
def questions() -> list[str]:
    return [item.question for item in load_dataset(load.DEFAULT_DATASET)]


def test_concurrent_users_all_get_answers(url, questions):
    """5 users x 2 questions at once: every question answered, figures reported."""
    figures = load.run_load(url, questions, users=5, per_user=2, pid=os.getpid())
    assert (figures["completed"], figures["failed"], figures["not_run"]) == (10, 0, 0), figures["first_errors"]
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["rss_before_mb"] > 0 and figures["rss_peak_during_mb"] >= figures["rss_before_mb"] - 1
    assert figures["targets_met"]["no_failures"]


def test_load_command_runs_its_own_server_and_stops_it(built_index):
    """`python -m eval.load` starts the page as a child, measures it, reports JSON and cleans up."""
    env = dict(os.environ, SAVOL_INDEX=str(built_index))
    proc = subprocess.run(
        [sys.executable, "-m", "eval.load", "--users", "2", "--questions", "2", "--json"],
        capture_output=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    figures = json.loads(proc.stdout)
    assert (figures["completed"], figures["failed"]) == (4, 0)
    assert figures["rss_before_mb"] > 100 and figures["vm_hwm_mb"] >= figures["rss_after_mb"]
    assert all(figures["targets_met"].values())
    assert not os.path.exists(f"/proc/{figures['server_pid']}")  # the child server was stopped


def test_load_stops_at_its_deadline(url, questions):
    """Questions not started before the deadline are reported as not run; the run ends by itself."""
    started = time.monotonic()
    figures = load.run_load(url, questions, users=2, per_user=50, deadline_s=1e-6)
    assert figures["completed"] + figures["failed"] + figures["not_run"] == 100
    assert figures["not_run"] >= 98 and time.monotonic() - started < 30
    assert figures["targets_met"]["no_failures"] is False


@pytest.mark.parametrize("target", ["http://198.51.100.7:7860/", "http://example.com/", "http://0.0.0.0:7860/"])
def test_load_refuses_hosts_that_are_not_this_machine(target, capsys):
    """The load tool never points traffic at another machine, whatever URL it is given."""
    assert load.main(["--url", target]) == 2
    assert "not a loopback address" in capsys.readouterr().err


def test_load_is_bounded(capsys):
    """More than 100 users or questions each is refused up front, not attempted."""
    assert load.main(["--users", "1000"]) == 2
    assert load.main(["--questions", "0"]) == 2
    assert "--users must be 1..100" in capsys.readouterr().err


def test_past_the_queue_size_clients_get_queue_full_and_the_server_goes_on(settings, serve_page, monkeypatch):
    """With room for 1 running + 2 waiting, the rest are told the queue is full; the next one is served.

    The model is slowed to 0.3 s a question so the queue really fills.
    """
    small = Savol(replace(settings, queue_size=2, concurrency_limit=1))
    real = small.embedder.embed_queries
    monkeypatch.setattr(small.embedder, "embed_queries", lambda texts: (time.sleep(0.3), real(texts))[1])
    with serve_page(small) as url:
        client = Client(url, verbose=False)
        jobs = [client.submit(GOOD, api_name="/ask") for _ in range(10)]
        outcomes = []
        for job in jobs:
            try:
                outcomes.append(GOVERNOR in job.result(timeout=60)["answer"])
            except QueueError as exc:
                outcomes.append("full" if "Queue is full" in str(exc) else str(exc))
        assert outcomes.count("full") >= 1 and outcomes.count(True) >= 3
        assert set(outcomes) <= {True, "full"}
        assert GOVERNOR in Client(url, verbose=False).predict(GOOD, api_name="/ask")["answer"]


def test_two_readers_never_see_each_others_history(app, url):
    """Two sessions asking follow-ups at the same moment each get the answer to their own chat."""
    firsts = {"a": "Hitachi Construction Machinery нима қилади?", "b": "Komatsu компанияси пойтахтда нима қурмоқчи?"}
    expected = {k: app.ask(FOLLOW_UP, history=[q]).answer for k, q in firsts.items()}
    assert expected["a"] != expected["b"]  # otherwise a mix-up could not show
    start = threading.Barrier(2)
    seen: dict[str, list] = {}

    def reader(key: str) -> None:
        client = Client(url, verbose=False)
        _, history, _ = client.submit(firsts[key], [], api_name="/chat").result()
        for _ in range(3):
            start.wait()
            _, after, _ = client.submit(FOLLOW_UP, history, api_name="/chat").result()
            seen.setdefault(key, []).append(after)

    threads = [threading.Thread(target=reader, args=(k,)) for k in firsts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for key, other in (("a", "b"), ("b", "a")):
        assert len(seen[key]) == 3
        for history in seen[key]:
            texts = [page_app._text(m["content"]) for m in history]
            assert page_app.question_text(texts[0]) == firsts[key]  # shown Markdown-escaped
            assert not any(firsts[other] in page_app.question_text(t) for t in texts)
            assert plain(texts[-1]) == expected[key]


def test_session_state_is_bounded(app, serve_page, monkeypatch):
    """Every `/ask` call is a new session; past MAX_SESSIONS the oldest are dropped, so memory is bounded."""
    monkeypatch.setattr(page_serve, "MAX_SESSIONS", 5)
    demo = page_app.build_app(app)
    with serve_page(app, demo=demo) as url:
        for _ in range(12):
            assert call(url, "ask", [GOOD, None])[0] == "complete"
        assert len(demo.state_holder.session_data) == 5  # 12 sessions were made; the 7 oldest are gone
