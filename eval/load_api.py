"""Load test of ``POST /api/ask`` (page/api.py) on a local page: steady clients, then one burst.

    python -m eval.load_api [--clients 30] [--questions 10] [--burst 200] [--json]

Starts ``python chat_app.py`` on a free loopback port (as ``python -m eval.load`` does) and stops
it at the end. Each of ``--clients`` clients asks ``--questions`` questions one after another
(plain HTTP, one connection per request); then ``--burst`` requests are sent at once.
Targets (issue 17): steady >= 35 answers/s with p95 <= 1 s; the burst all answered or 429, 0 errors.
The exit code is 0 only when all are met.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse

from eval.dataset import load_dataset
from eval.load import DEFAULT_DATASET
from eval.metrics import percentile
from eval.page_server import running_page
from ingest.errors import SavolError
from ingest.settings import Settings

MAX_CLIENTS, MAX_QUESTIONS, MAX_BURST = 100, 100, 500  # bounded whatever the flags say
TIMEOUT_S = 60.0
TARGET_RATE, TARGET_P95_MS = 35.0, 1000.0


def ask(url: str, question: str) -> tuple[int, float]:
    """``(status, milliseconds)`` of one ``POST /api/ask``; status 0 when the connection failed."""
    parts = urlparse(url)
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S)
        try:
            body = json.dumps({"question": question}).encode()
            conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            code = response.status
        finally:
            conn.close()
    except OSError:
        code = 0
    return code, (time.perf_counter() - started) * 1000


def _run(url: str, jobs: list[list[str]]) -> tuple[list[tuple[int, float]], float]:
    """Each list of questions in ``jobs`` asked in turn by its own thread, all started together."""
    results: list[tuple[int, float]] = []
    lock, gate = threading.Lock(), threading.Barrier(len(jobs) + 1)

    def client(questions: list[str]) -> None:
        gate.wait()
        for q in questions:
            outcome = ask(url, q)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=client, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def run(url: str, questions: list[str], clients: int, per_client: int, burst: int) -> dict:
    for q in questions[:5]:  # warm-up
        ask(url, q)
    jobs = [[questions[(c * per_client + i) % len(questions)] for i in range(per_client)] for c in range(clients)]
    steady, seconds = _run(url, jobs)
    ok = sorted(ms for code, ms in steady if code == 200)
    burst_results, _ = _run(url, [[questions[i % len(questions)]] for i in range(burst)])
    codes = [code for code, _ in burst_results]
    figures = {
        "clients": clients,
        "questions_per_client": per_client,
        "answered": len(ok),
        "not_answered": len(steady) - len(ok),
        "answers_per_s": round(len(ok) / seconds, 1),
        "p50_ms": round(percentile(ok, 50), 1) if ok else None,
        "p95_ms": round(percentile(ok, 95), 1) if ok else None,
        "burst": burst,
        "burst_answered": codes.count(200),
        "burst_429": codes.count(429),
        "burst_errors": len(codes) - codes.count(200) - codes.count(429),
    }
    figures["targets_met"] = {
        "rate": figures["answers_per_s"] >= TARGET_RATE and figures["not_answered"] == 0,
        "p95": figures["p95_ms"] is not None and figures["p95_ms"] <= TARGET_P95_MS,
        "burst": figures["burst_errors"] == 0,
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.load_api", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30, help=f"steady clients, 1..{MAX_CLIENTS} (default 30)")
    parser.add_argument("--questions", type=int, default=10, help=f"questions each, 1..{MAX_QUESTIONS} (default 10)")
    parser.add_argument("--burst", type=int, default=200, help=f"simultaneous requests, 1..{MAX_BURST} (default 200)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= MAX_CLIENTS and 1 <= args.questions <= MAX_QUESTIONS and 1 <= args.burst <= MAX_BURST):
        print(
            f"load_api: --clients 1..{MAX_CLIENTS}, --questions 1..{MAX_QUESTIONS}, --burst 1..{MAX_BURST}.",
            file=sys.stderr,
        )
        return 2
    try:
        questions = [item.question for item in load_dataset(DEFAULT_DATASET)]
        with running_page("load_api", Settings.from_env()) as (_server, url):
            figures = run(url, questions, args.clients, args.questions, args.burst)
    except (SavolError, OSError) as exc:
        print(f"load_api: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(figures, indent=None if args.json else 1))
    return 0 if all(figures["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
