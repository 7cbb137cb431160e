"""The page as a child process for the benchmarks (``eval.load``, ``eval.load_api``, ``eval.hostile``,
``eval.bench_chat``): ``python chat_app.py`` on a free loopback port, without login, stopped at the end."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from ingest.errors import SavolError
from ingest.settings import PROJECT_ROOT, Settings

STARTUP_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gradio_client(url: str):
    """A gradio_client session. ``ssl_verify=False``: the URL is plain-HTTP loopback, so nothing is
    verified either way, and it spares httpx loading the CA bundle on every request (~40 ms of
    CPU per question, which on a small machine would be taken from the server being measured)."""
    from gradio_client import Client

    return Client(url, verbose=False, ssl_verify=False)


def start_server(settings: Settings, log, extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """``python chat_app.py`` on a free loopback port, answering; ``(process, url)``. ``extra_env``:
    more ``SAVOL_*`` variables for the server."""
    from answering.chain import Savol

    Savol(settings).ensure_index()  # building the index is not part of the load
    port = free_port()
    env = dict(
        os.environ,
        SAVOL_HOST="127.0.0.1",
        SAVOL_PORT=str(port),
        SAVOL_INDEX=str(settings.index_dir),
        GRADIO_ANALYTICS_ENABLED="False",
        **(extra_env or {}),
    )
    env.pop("SAVOL_AUTH", None)
    server = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "chat_app.py")], env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    while True:
        if server.poll() is not None:
            raise SavolError(f"chat_app.py exited with code {server.returncode} before serving")
        if time.monotonic() - started > STARTUP_TIMEOUT_S:
            stop_server(server)
            raise SavolError(f"chat_app.py did not answer within {STARTUP_TIMEOUT_S:.0f} s")
        try:
            gradio_client(url).close()
            return server, url
        except Exception:  # not listening yet
            time.sleep(0.1)


def log_tail(log, limit: int) -> str:
    """The last ``limit`` bytes of the server's log file, as text."""
    log.seek(0)
    return log.read()[-limit:].decode("utf-8", "replace").strip()


@contextlib.contextmanager
def running_page(
    prog: str, settings: Settings, extra_env: dict | None = None
) -> Iterator[tuple[subprocess.Popen, str]]:
    """:func:`start_server` for one benchmark run, stopped when it ends; when the run fails with a
    :class:`SavolError`, the end of the page's log goes to stderr under ``prog``'s name."""
    server = None
    with tempfile.TemporaryFile() as log:
        try:
            server, url = start_server(settings, log, extra_env)
            yield server, url
        except SavolError:
            tail = log_tail(log, 800)
            if tail:
                print(f"{prog}: server log ends with:\n{tail}", file=sys.stderr)
            raise
        finally:
            if server is not None:
                stop_server(server)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
