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
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from savol.errors import SavolError
from savol.settings import PROJECT_ROOT, Settings

DEFAULT_DATASET = PROJECT_ROOT / "eval" / "qa_dev.jsonl"
STARTUP_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _questions(path: Path, n: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows]
    return (questions * (n // max(1, len(questions)) + 1))[:n]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[rank]


def memory_mb(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS"), "peak_rss_mb": fields.get("VmHWM")}


def _summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 95), 1),
            "max_ms": round(max(ms), 1)}


def run(settings: Settings, questions: list[str]) -> dict:
    """Launch the page in a child process, measure, stop it; the figures as a dict."""
    from gradio_client import Client

    from savol.chain import Savol

    Savol(settings).ensure_index()  # "with an existing index": building it is not timed
    port = free_port()
    env = dict(os.environ, SAVOL_PORT=str(port), SAVOL_HOST="127.0.0.1", SAVOL_INDEX=str(settings.index_dir),
               GRADIO_ANALYTICS_ENABLED="False")
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "chat_app.py")], env=env, cwd=PROJECT_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = None
        while client is None:
            if server.poll() is not None:
                raise SavolError(f"chat_app.py exited: {server.stderr.read().decode(errors='replace')[-500:]}")
            if time.perf_counter() - started > STARTUP_TIMEOUT_S:
                raise SavolError(f"chat_app.py did not answer within {STARTUP_TIMEOUT_S} s")
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            except Exception:  # not listening yet
                time.sleep(0.05)
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
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


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
            print(f"{name:<5} answer complete    p50 {f['p50_ms']:.0f} ms  p95 {f['p95_ms']:.0f} ms  "
                  f"max {f['max_ms']:.0f} ms  (n={f['n']}, one user)")
        print(f"server memory            {figures['rss_mb']} MB resident, peak {figures['peak_rss_mb']} MB")
        print(f"machine                  {figures['cpus']} CPUs, load {figures['load_avg_1m']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
