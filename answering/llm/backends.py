"""``--llm SPEC`` -> a LangChain chat model: ``ollama:MODEL``, ``openai:MODEL`` or ``gguf:PATH``.

Each backend is imported only when chosen; a missing extra is a one-line install hint.
Client-side retries are off: :class:`~answering.llm.answerer.LLMAnswerer` retries 429 and
5xx with tenacity, the same way for every backend (the openai client's own retries would cover
one backend only), and falls back when they persist.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel
from pydantic import SecretStr

from answering.errors import LLMUnavailable
from answering.llm.gguf import INSTALL_HINT as GGUF_INSTALL_HINT
from answering.llm.gguf import GgufChatModel

BACKENDS = ("ollama", "openai", "gguf")
MAX_ANSWER_TOKENS = 320  # one to three sentences with markers, in any script, with room to spare
TEMPERATURE = 0.0  # the same passages give the same answer: easier to check and to benchmark
MODULES = {"ollama": "langchain_ollama", "openai": "langchain_openai", "gguf": "llama_cpp"}
INSTALL_HINTS = {
    "ollama": "ollama: needs the [ollama] extra: pip install -e '.[ollama]'",
    "openai": "openai: needs the [openai] extra: pip install -e '.[openai]'",
    "gguf": GGUF_INSTALL_HINT,
}


def parse_spec(spec: str) -> tuple[str, str]:
    """``"ollama:qwen2.5:3b"`` -> ``("ollama", "qwen2.5:3b")``.

    Raises:
        LLMUnavailable: the spec does not name a known backend and a model.
    """
    backend, sep, model = (spec or "").strip().partition(":")
    if not sep or backend not in BACKENDS or not model.strip():
        raise LLMUnavailable(
            f"--llm {spec!r} is not understood; use ollama:MODEL, openai:MODEL or gguf:/path/to/model.gguf"
        )
    return backend, model.strip()


def check_backend(spec: str) -> None:
    """Fail fast, without loading anything, when ``spec`` cannot work here.

    Raises:
        LLMUnavailable: bad spec, missing extra, or no such GGUF file.
    """
    backend, model = parse_spec(spec)
    if importlib.util.find_spec(MODULES[backend]) is None:
        raise LLMUnavailable(INSTALL_HINTS[backend])
    if backend == "gguf" and not Path(model).expanduser().is_file():
        raise LLMUnavailable(f"No GGUF model file at {model}; pass --llm gguf:/path/to/model.gguf")


def load_chat_model(spec: str, timeout: float) -> BaseChatModel:
    """The chat model ``spec`` names, with ``timeout`` seconds per request where the client has one.

    Raises:
        LLMUnavailable: bad spec, missing extra, or (gguf) a model file that cannot be loaded.
    """
    backend, model = parse_spec(spec)
    if backend == "ollama":
        return _ollama(model, timeout)
    if backend == "openai":
        return _openai(model, timeout)
    return GgufChatModel(model_path=model, max_tokens=MAX_ANSWER_TOKENS, temperature=TEMPERATURE)


def _ollama(model: str, timeout: float) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise LLMUnavailable(INSTALL_HINTS["ollama"]) from None
    # base_url=None: the ollama client reads OLLAMA_HOST (default http://127.0.0.1:11434).
    return ChatOllama(
        model=model, temperature=TEMPERATURE, num_predict=MAX_ANSWER_TOKENS, client_kwargs={"timeout": timeout}
    )


def _openai(model: str, timeout: float) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise LLMUnavailable(INSTALL_HINTS["openai"]) from None
    # The openai client reads OPENAI_BASE_URL and OPENAI_API_KEY. Local OpenAI-compatible
    # servers (vLLM, llama.cpp server, LM Studio) want no key, but the client insists on one.
    key = None if os.environ.get("OPENAI_API_KEY") else SecretStr("not-needed")
    return ChatOpenAI(
        model=model,
        temperature=TEMPERATURE,
        max_completion_tokens=MAX_ANSWER_TOKENS,
        timeout=timeout,
        max_retries=0,
        api_key=key,
    )
