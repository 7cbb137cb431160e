"""Hostile load: what scripts without a login can make the page spend (issue 17, item 1).

    python -m eval.hostile [--votes 1000] [--chats 250] [--json]

Starts ``python chat_app.py`` as a child process on a free loopback port (no login, feedback in a
temporary folder), then, each request with a new ``session_hash`` and nobody reading the answers:

1. ``--votes`` forged votes (👍) carrying a ~960 KB chat history each;
2. ``--chats`` chat questions whose history holds one 900,000-character turn;
3. six costly questions at once (a 2,000-character history turn, a 2,000-character question of one
   repeated word), and right behind them a normal question, timed.

Reports the server's resident memory before, at its peak and after, and the normal question's
latency. Targets: RSS stays under 600 MB; the normal question is answered within 2 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from eval.load import _MemorySampler, memory_mb
from eval.page_server import running_page
from ingest.errors import SavolError
from ingest.settings import Settings

MAX_REQUESTS = 5_000  # a benchmark, not a flood
SENDERS = 8  # concurrent connections sending the forged requests
TARGET_RSS_MB = 600.0
TARGET_NORMAL_S = 2.0
NORMAL = "Кто губернатор Токио?"
VOTE_HISTORY_CHARS = 960_000  # ASCII, so the body is ~960 KB, under the page's 1 MB limit
CHAT_TURN_CHARS = 900_000


def _post(url: str, path: str, body: dict, timeout: float = 120) -> tuple[int, bytes]:
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _get(url: str, path: str, timeout: float = 120) -> tuple[int, bytes]:
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _events(url: str) -> dict[str, int]:
    """fn_index of the page's events: ``like`` (the vote) and ``chat`` (a question)."""
    _, config = _get(url, "/config")
    found = {}
    for dep in json.loads(config)["dependencies"]:
        if dep.get("api_name") == "chat":
            found["chat"] = dep["id"]
        if any(t[1] == "like" for t in dep.get("targets", [])):
            found["like"] = dep["id"]
    if set(found) != {"chat", "like"}:
        raise SavolError(f"the page's events were not found (got {sorted(found)})")
    return found


def _forged_vote(url: str, fn: int) -> int:
    history = [
        {"role": "user", "content": "q" * (VOTE_HISTORY_CHARS // 2)},
        {"role": "assistant", "content": "a" * (VOTE_HISTORY_CHARS // 2)},
    ]
    body = {
        "data": [history, {}],
        "fn_index": fn,
        "session_hash": uuid.uuid4().hex,
        "event_data": {"index": 1, "value": "a", "liked": True},
    }
    return _post(url, "/gradio_api/queue/join", body)[0]


def _forged_chat(url: str, fn: int) -> int:
    history = [{"role": "user", "content": "ha " * (CHAT_TURN_CHARS // 3)}, {"role": "assistant", "content": "ок"}]
    body = {"data": [NORMAL, history, {}], "fn_index": fn, "session_hash": uuid.uuid4().hex}
    return _post(url, "/gradio_api/queue/join", body)[0]


def _ask(url: str, question: str, history: list[str]) -> tuple[str, float]:
    """One ``/ask`` call through Gradio's call API: ``(final event, seconds)``."""
    started = time.perf_counter()
    code, reply = _post(url, "/gradio_api/call/ask", {"data": [question, history]})
    if code != 200:
        return f"http {code}", time.perf_counter() - started
    _, stream = _get(url, f"/gradio_api/call/ask/{json.loads(reply)['event_id']}")
    events = [line[7:] for line in stream.decode("utf-8", "replace").splitlines() if line.startswith("event: ")]
    return (events[-1] if events else "none"), time.perf_counter() - started


def _settle(pid: int, seconds: float = 3.0) -> float:
    """RSS once the queue has drained (a few seconds after the last request)."""
    time.sleep(seconds)
    return memory_mb(pid)["rss_mb"]


def run_hostile(url: str, pid: int, votes: int, chats: int) -> dict:
    events = _events(url)
    _ask(url, NORMAL, [])  # warm: the first answer loads the models
    before = memory_mb(pid)["rss_mb"]
    sampler = _MemorySampler(pid)
    sampler.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        vote_codes = list(pool.map(lambda _: _forged_vote(url, events["like"]), range(votes)))
        chat_codes = list(pool.map(lambda _: _forged_chat(url, events["chat"]), range(chats)))
    sent_s = time.perf_counter() - started
    after_flood = _settle(pid)

    costly = [("Кто губернатор Токио?", ["я" * 2000])] * 3 + [(("Токио " * 400)[:1999], [])] * 3
    barrier = threading.Barrier(len(costly) + 1)

    def hostile(args):
        barrier.wait()
        return _ask(url, *args)

    with ThreadPoolExecutor(len(costly) + 1) as pool:
        futures = [pool.submit(hostile, c) for c in costly]
        barrier.wait()
        time.sleep(0.05)  # the normal question arrives behind the six
        normal_event, normal_s = _ask(url, NORMAL, [])
        costly_results = [f.result() for f in futures]
    peak = sampler.stop()
    return {
        "votes": votes,
        "vote_status": {str(c): vote_codes.count(c) for c in sorted(set(vote_codes))},
        "chats": chats,
        "chat_status": {str(c): chat_codes.count(c) for c in sorted(set(chat_codes))},
        "sent_s": round(sent_s, 1),
        "rss_before_mb": before,
        "rss_after_flood_mb": after_flood,
        "rss_peak_mb": peak,
        "rss_after_mb": _settle(pid),
        "normal_behind_six_s": round(normal_s, 2),
        "normal_event": normal_event,
        "costly_s": [round(s, 2) for _, s in costly_results],
        "costly_events": [e for e, _ in costly_results],
        "targets_met": {"rss_lt_600mb": peak < TARGET_RSS_MB, "normal_le_2s": normal_s <= TARGET_NORMAL_S},
    }


def _report(f: dict) -> str:
    return "\n".join(
        [
            f"forged votes (960 KB)   {f['votes']}  status {f['vote_status']}",
            f"forged chats (900k)     {f['chats']}  status {f['chat_status']}  (all sent in {f['sent_s']} s)",
            f"server RSS              before {f['rss_before_mb']} MB  after the flood {f['rss_after_flood_mb']} MB  "
            f"peak {f['rss_peak_mb']} MB  at the end {f['rss_after_mb']} MB   [< 600 MB: "
            f"{'met' if f['targets_met']['rss_lt_600mb'] else 'MISSED'}]",
            f"normal question         {f['normal_behind_six_s']} s behind six costly ones ({f['normal_event']})   "
            f"[<= 2 s: {'met' if f['targets_met']['normal_le_2s'] else 'MISSED'}]",
            f"costly questions        {f['costly_s']} s",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1000, help="forged votes, each its own session (default 1000)")
    parser.add_argument("--chats", type=int, default=250, help="chat questions with a 900k-character turn (250)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not (0 <= args.votes <= MAX_REQUESTS and 0 <= args.chats <= MAX_REQUESTS):
        print(f"hostile: --votes and --chats must be 0..{MAX_REQUESTS}.", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory() as feedback:
            settings = replace(Settings.from_env(), feedback_dir=Path(feedback))
            with running_page("hostile", settings, {"SAVOL_FEEDBACK": feedback}) as (server, url):
                figures = run_hostile(url, server.pid, args.votes, args.chats)
    except (SavolError, OSError) as exc:
        print(f"hostile: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(figures) if args.json else _report(figures))
    return 0 if all(figures["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
