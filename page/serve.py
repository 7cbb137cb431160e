"""Serve the page: ``demo.launch`` with safe defaults, and :func:`main`, the entry of ``python chat_app.py``
and ``savol serve`` (the index built first when missing, each slow step said on stderr)."""

from __future__ import annotations

import sys

from answering.chain import Savol
from ingest.errors import SavolError
from ingest.progress import progress_bar
from ingest.settings import Settings
from ingest.store import current_version
from page.api import routes
from page.app import build_app
from page.assets import CSS, HEAD
from page.shapes import middleware

MAX_FILE_SIZE = "1kb"  # the page takes no files; this caps what /gradio_api/upload accepts
# Sessions whose state (per-reader answers for feedback) is kept; the oldest is dropped past this.
# Every `/ask` call without a session is a new one: Gradio's default of 10,000 is too many.
MAX_SESSIONS = 1000


def launch_options(settings: Settings) -> dict:
    """``demo.launch`` arguments with safe defaults: local bind, no SSR, no extra file paths."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": settings.auth_pair(),
        "ssr_mode": False,
        "show_error": False,
        "css": CSS,
        "head": HEAD,
        "max_file_size": MAX_FILE_SIZE,
        "strict_cors": True,
        "enable_monitoring": False,
        "mcp_server": False,
        "pwa": False,
        "footer_links": [],  # "Use via API · Built with Gradio · Settings": English, and nothing a reader needs
        "run_history": False,
        "state_session_capacity": MAX_SESSIONS,
        "app_kwargs": {"middleware": middleware(), "routes": routes()},
    }


def main(settings: Settings | None = None) -> int:
    """Build the index if missing, then serve the page until interrupted; the exit code. Each slow
    step says so on stderr (the index build with a progress bar), and then the page's address."""

    def say(line: str) -> None:
        print(f"savol: {line}", file=sys.stderr, flush=True)

    try:
        settings = settings or Settings.from_env()
        options = launch_options(settings)  # a bad SAVOL_AUTH fails before any model loads
        app = Savol(settings)
        if current_version(settings.index_dir) is None:
            say(f"no index yet: building it from {settings.corpus_dir} (first run only)…")
        report = app.ensure_index(progress=progress_bar("building the index"))
        if report is not None:
            say(f"built the index in {settings.index_dir} ({report.seconds:.0f} s)")
        say("loading the model and the index…")
        app.warm_up()
        demo = build_app(app)
        demo.launch(**options, quiet=True, prevent_thread_lock=True)  # quiet: no share-link hint
        say(f"the chat page is at {demo.local_url} (Ctrl+C stops it)")
        demo.block_thread()
    except SavolError as exc:
        print(f"savol: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # port taken, address not available
        print(f"savol: cannot serve on {settings.host}:{settings.port} ({exc}); pick another --port.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
