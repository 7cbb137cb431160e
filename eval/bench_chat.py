"""Time the chat page as a reader meets it: launch to first answer, answer latency, memory.

    python -m eval.bench_chat [--questions 50] [--dataset eval/qa_dev.jsonl] [--json]

Starts ``python chat_app.py`` in a child process on a free port over the existing index
(built first if missing, outside the timing), then with ``gradio_client``:

* launch_to_first_answer_s: process start -> first ``/ask`` answer received;
* chat / ask latency: one user, questions asked one after another; "chat" is the page's
  streaming endpoint (``submit`` until the last sentence), "ask" the JSON API;
* rss_mb: the server's resident memory after the run (VmRSS), and its peak (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from eval.dataset import load_dataset
from eval.load import memory_mb
from eval.metrics import percentile
from eval.page_server import log_tail, start_server, stop_server
from ingest.errors import SavolError
from ingest.settings import PROJECT_ROOT, Settings

DEFAULT_DATASET = PROJECT_ROOT / "eval" / "qa_dev.jsonl"


def _questions(path: Path, n: int) -> list[str]:
    questions = [item.question for item in load_dataset(path)]
    return (questions * (n // max(1, len(questions)) + 1))[:n]


def _summary(ms: list[float]) -> dict:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


def run(settings: Settings, questions: list[str]) -> dict:
    """Launch the page in a child process, measure, stop it; the figures as a dict."""
    from gradio_client import Client

    from answering.chain import Savol

    Savol(settings).ensure_index()  # "with an existing index": building it is not timed
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        try:
            server, url = start_server(settings, log)
        except SavolError:
            raise SavolError(f"chat_app.py did not serve: {log_tail(log, 500)}") from None
    try:
        client = Client(url, verbose=False)
        client.predict(questions[0], api_name="/ask")
        first_answer = time.perf_counter() - started

        chat_ms, ask_ms = [], []
        for question in questions:
            t = time.perf_counter()
            client.submit(question, [], api_name="/chat").result()
            chat_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            client.predict(question, api_name="/ask")
            ask_ms.append((time.perf_counter() - t) * 1000)
        return {
            "launch_to_first_answer_s": round(first_answer, 2),
            "chat": _summary(chat_ms),
            "ask": _summary(ask_ms),
            **memory_mb(server.pid),
            "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_chat", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50, help="questions to time (default 50)")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="JSONL with a 'question' field")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    try:
        figures = run(Settings.from_env(), _questions(args.dataset, args.questions))
    except (SavolError, OSError) as exc:
        print(f"bench_chat: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"launch -> first answer   {figures['launch_to_first_answer_s']:.2f} s")
        for name in ("chat", "ask"):
            f = figures[name]
            print(
                f"{name:<5} answer complete    p50 {f['p50_ms']:.0f} ms  p95 {f['p95_ms']:.0f} ms  "
                f"max {f['max_ms']:.0f} ms  (n={f['n']}, one user)"
            )
        print(f"server memory            {figures['rss_mb']} MB resident, peak {figures['peak_rss_mb']} MB")
        print(f"machine                  {figures['cpus']} CPUs, load {figures['load_avg_1m']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
