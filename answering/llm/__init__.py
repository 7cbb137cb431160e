"""Generative answers: an LLM answers from the retrieved passages, and savol checks every citation.

``--llm ollama:MODEL | openai:MODEL | gguf:PATH`` picks the backend; the extractive
answerer stays the default and is the fallback whenever the LLM's answer cannot be shown.
"""

from answering.llm.answerer import LLMAnswerer
from answering.llm.backends import check_backend, load_chat_model, parse_spec
from answering.llm.check import SupportChecker
from answering.llm.prompt import build_messages

__all__ = ["LLMAnswerer", "SupportChecker", "build_messages", "check_backend", "load_chat_model", "parse_spec"]
