"""Load test: N concurrent ``gradio_client`` users, each asking M questions, on a local page.

    python -m eval.load [--users 20] [--questions 10] [--dataset eval/qa.jsonl] [--json]
    python -m eval.load --url http://127.0.0.1:7860/ [--pid SERVER_PID]

Without ``--url`` it starts ``python chat_app.py`` as a child process on a free loopback
port (over the index in ``SAVOL_INDEX``, built first if missing), so the server's memory
can be read from ``/proc/<pid>/status``, and stops it at the end.

Loopback only: a ``--url`` whose host is not 127.0.0.1, ::1 or localhost is refused.
Bounded: at most :data:`MAX_USERS` users and :data:`MAX_QUESTIONS` questions each, and
questions not started within ``--deadline`` seconds are reported as not run.

Reports completed / failed / not run, latency p50 / p95 / p99 (one ``/ask`` call, client
side, queueing included), and the server's resident memory: before (after a warm-up),
sampled peak during the run, after, and the process's lifetime peak (VmHWM).
Targets (issue 6): 0 failures, p95 <= 2 s, memory after within 50 MB of before; the exit
code is 0 only when all three are met.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from eval.dataset import load_dataset
from eval.metrics import percentile
from eval.page_server import STARTUP_TIMEOUT_S, gradio_client, running_page
from ingest.errors import SavolError
from ingest.settings import PROJECT_ROOT, Settings

DEFAULT_DATASET = PROJECT_ROOT / "eval" / "qa.jsonl"
MAX_USERS = 100  # a load test, not a flood: bounded whatever the flags say
MAX_QUESTIONS = 100
DEFAULT_DEADLINE_S = 300.0
QUESTION_TIMEOUT_S = 60.0  # one answer taking longer is a failure, and the run still ends
WARMUP_QUESTIONS = 5  # first answers load the model and fill caches; "before" is measured after them
MEMORY_SAMPLE_S = 0.1
TARGET_P95_MS = 2000.0
TARGET_MEMORY_GROWTH_MB = 50.0


def memory_mb(pid: int) -> dict:
    """The process's resident memory now (VmRSS) and its peak (VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS"), "peak_rss_mb": fields.get("VmHWM")}


def is_loopback(url: str) -> bool:
    """True when ``url`` points at this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _user(url: str, questions: list[str], start: threading.Barrier, deadline_s: float) -> dict:
    """One user: its own client (session), its questions one after another."""
    try:
        client = gradio_client(url)
    except Exception as exc:  # cannot connect: every question of this user failed
        start.wait()
        return {
            "latencies": [],
            "errors": [f"connect: {type(exc).__name__}: {exc}"[:200]] * len(questions),
            "not_run": 0,
        }
    start.wait()  # every user connected: the clock starts for all at once
    deadline = time.monotonic() + deadline_s
    latencies, errors, not_run = [], [], 0
    for question in questions:
        if time.monotonic() > deadline:
            not_run += 1
            continue
        started = time.perf_counter()
        try:
            result = client.submit(question, api_name="/ask").result(timeout=QUESTION_TIMEOUT_S)
            if not isinstance(result, dict) or "answer" not in result:
                raise ValueError(f"unexpected reply {str(result)[:80]!r}")
        except Exception as exc:  # counted and reported, never fatal to the run
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    client.close()
    return {"latencies": latencies, "errors": errors, "not_run": not_run}


class _MemorySampler(threading.Thread):
    """Samples a process's VmRSS until stopped; ``peak_mb`` is the largest seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_mb = pid, 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            rss = memory_mb(self.pid)["rss_mb"]
            self.peak_mb = max(self.peak_mb, rss or 0.0)
            self._done.wait(MEMORY_SAMPLE_S)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak_mb


def run_load(
    url: str,
    questions: list[str],
    users: int = 20,
    per_user: int = 10,
    deadline_s: float = DEFAULT_DEADLINE_S,
    pid: int | None = None,
) -> dict:
    """Run the load against a page at ``url``; the figures as a dict.

    Args:
        url: a loopback URL of a running chat page.
        questions: the pool; user ``u`` asks ``per_user`` of them, starting at ``u * per_user``.
        users, per_user: concurrent users and questions each (bounded by MAX_USERS, MAX_QUESTIONS).
        deadline_s: questions not started this long after the start are counted as not run.
        pid: the server's process id, to report its memory (None: memory is not reported).
    """
    if not is_loopback(url):
        raise SavolError(f"{url} is not a loopback address; the load test only targets this machine.")
    if not (1 <= users <= MAX_USERS and 1 <= per_user <= MAX_QUESTIONS):
        raise SavolError(f"users must be 1..{MAX_USERS} and questions 1..{MAX_QUESTIONS}.")
    try:
        warm = gradio_client(url)
        for question in questions[:WARMUP_QUESTIONS]:
            warm.predict(question, api_name="/ask")
        warm.close()
    except Exception as exc:
        raise SavolError(f"the page at {url} does not answer ({type(exc).__name__}: {exc})") from None
    before = memory_mb(pid) if pid else {}
    sampler = _MemorySampler(pid) if pid else None

    plans = [[questions[(u * per_user + i) % len(questions)] for i in range(per_user)] for u in range(users)]
    start = threading.Barrier(users + 1, timeout=STARTUP_TIMEOUT_S)
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [pool.submit(_user, url, plan, start, deadline_s) for plan in plans]
        try:
            start.wait()
        except threading.BrokenBarrierError:
            raise SavolError(f"{users} users could not connect within {STARTUP_TIMEOUT_S:.0f} s") from None
        if sampler:
            sampler.start()
        started = time.perf_counter()
        results = [f.result() for f in futures]
        elapsed = time.perf_counter() - started
    peak = sampler.stop() if sampler else None
    after = memory_mb(pid) if pid else {}

    latencies = sorted(ms for r in results for ms in r["latencies"])
    errors = [e for r in results for e in r["errors"]]
    figures = {
        "users": users,
        "questions_per_user": per_user,
        "completed": len(latencies),
        "failed": len(errors),
        "not_run": sum(r["not_run"] for r in results),
        "seconds": round(elapsed, 2),
        "answers_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "rss_before_mb": before.get("rss_mb"),
        "rss_peak_during_mb": peak,
        "rss_after_mb": after.get("rss_mb"),
        "vm_hwm_mb": after.get("peak_rss_mb"),
        "first_errors": errors[:5],
        "server_pid": pid,
        "cpus": os.cpu_count(),
    }
    figures["targets_met"] = targets_met(figures)
    return figures


def targets_met(figures: dict) -> dict:
    """Each issue-6 target with whether this run met it (None: not measured)."""
    growth = (
        figures["rss_after_mb"] - figures["rss_before_mb"]
        if figures.get("rss_after_mb") is not None and figures.get("rss_before_mb") is not None
        else None
    )
    return {
        "no_failures": figures["failed"] == 0 and figures["not_run"] == 0,
        "p95_le_2s": figures["p95_ms"] is not None and figures["p95_ms"] <= TARGET_P95_MS,
        "memory_within_50mb": None if growth is None else abs(growth) <= TARGET_MEMORY_GROWTH_MB,
    }


def _report(f: dict) -> str:
    targets = f["targets_met"]

    def mark(key):
        return {True: "met", False: "MISSED", None: "not measured"}[targets[key]]

    lines = [
        f"users x questions      {f['users']} x {f['questions_per_user']}  ({f['cpus']} CPUs)",
        f"completed / failed     {f['completed']} / {f['failed']}  (not run: {f['not_run']})   "
        f"[0 failures: {mark('no_failures')}]",
        f"latency (/ask)         p50 {f['p50_ms']} ms  p95 {f['p95_ms']} ms  p99 {f['p99_ms']} ms  "
        f"max {f['max_ms']} ms   [p95 <= 2 s: {mark('p95_le_2s')}]",
        f"throughput             {f['answers_per_s']} answers/s over {f['seconds']} s",
        f"server memory (RSS)    before {f['rss_before_mb']} MB  peak during {f['rss_peak_during_mb']} MB  "
        f"after {f['rss_after_mb']} MB  lifetime peak {f['vm_hwm_mb']} MB   "
        f"[after within 50 MB of before: {mark('memory_within_50mb')}]",
    ]
    lines += [f"error                  {e}" for e in f["first_errors"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help=f"concurrent users, 1..{MAX_USERS} (default 20)")
    parser.add_argument(
        "--questions", type=int, default=10, help=f"questions per user, 1..{MAX_QUESTIONS} (default 10)"
    )
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="dataset the questions come from")
    parser.add_argument("--url", help="a running page on this machine (default: start one)")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, to report its memory")
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE_S,
        help=f"seconds after which no new question starts (default {DEFAULT_DEADLINE_S:.0f})",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.url and not is_loopback(args.url):
        print(f"load: {args.url} is not a loopback address; the load test only targets this machine.", file=sys.stderr)
        return 2
    if not (1 <= args.users <= MAX_USERS and 1 <= args.questions <= MAX_QUESTIONS and args.deadline > 0):
        print(f"load: --users must be 1..{MAX_USERS}, --questions 1..{MAX_QUESTIONS}, --deadline > 0.", file=sys.stderr)
        return 2
    try:
        questions = [item.question for item in load_dataset(args.dataset)]
        if args.url:
            figures = run_load(args.url, questions, args.users, args.questions, args.deadline, args.pid)
        else:
            with running_page("load", Settings.from_env()) as (server, url):
                figures = run_load(url, questions, args.users, args.questions, args.deadline, server.pid)
    except (SavolError, OSError) as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(figures) if args.json else _report(figures))
    return 0 if all(v is not False for v in figures["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
