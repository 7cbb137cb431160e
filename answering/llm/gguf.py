"""``gguf:PATH``: a local GGUF model run in-process by llama-cpp-python, as a LangChain chat model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from answering.errors import LLMUnavailable

INSTALL_HINT = "gguf: needs llama-cpp-python (the [llamacpp] extra): pip install -e '.[llamacpp]'"

GGUF_CONTEXT_TOKENS = 4096  # three ~500-token passages in Cyrillic (≈2 model tokens per e5 token) + rules
GGUF_THREADS = None  # llama.cpp picks the number of physical cores


class GgufChatModel(BaseChatModel):
    """A GGUF model through ``llama_cpp.Llama.create_chat_completion`` (thread-safe, streaming).

    The system message is folded into the first user turn: many small models' chat
    templates (Gemma's among them) have no system role.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    max_tokens: int = 320
    temperature: float = 0.0
    n_ctx: int = GGUF_CONTEXT_TOKENS

    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    def model_post_init(self, __context: Any) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise LLMUnavailable(INSTALL_HINT) from None
        path = Path(self.model_path).expanduser()
        if not path.is_file():
            raise LLMUnavailable(f"No GGUF model file at {path}; pass --llm gguf:/path/to/model.gguf")
        try:
            self._llama = Llama(model_path=str(path), n_ctx=self.n_ctx, n_threads=GGUF_THREADS, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise LLMUnavailable(f"llama.cpp cannot load {path}: {exc}") from None
        metadata = self._llama.metadata or {}
        if "tokenizer.chat_template" not in metadata:
            # No template in the file: llama.cpp would fall back to Llama 2's, which other families misread.
            arch = metadata.get("general.architecture", "")
            self._llama.chat_format = "gemma" if arch.startswith("gemma") else "chatml"

    @property
    def _llm_type(self) -> str:
        return "gguf-llama-cpp"

    def _messages(self, messages: list[BaseMessage]) -> list[dict]:
        system = "\n\n".join(str(m.content) for m in messages if isinstance(m, SystemMessage))
        out: list[dict] = []
        for m in messages:
            if isinstance(m, SystemMessage):
                continue
            role = {"human": "user", "ai": "assistant"}.get(m.type, "user")
            content = str(m.content)
            if system and role == "user" and not out:
                content, system = f"{system}\n\n{content}", ""
            out.append({"role": role, "content": content})
        return out

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:  # one llama.cpp context: one generation at a time
            parts = self._llama.create_chat_completion(
                messages=self._messages(messages),
                stream=True,
                stop=stop,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
            )
            try:
                for part in parts:
                    text = part["choices"][0].get("delta", {}).get("content") or ""
                    if not text:
                        continue
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
            finally:
                close = getattr(parts, "close", None)
                if close:
                    close()  # stops generating when the reader stopped listening

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop=stop, run_manager=run_manager, **kwargs))
