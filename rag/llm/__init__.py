"""Optional LLM answers: a backend interface, one module per backend, and the grounded prompt."""

from rag.llm.base import LLMBackend, Message, backend_from_settings
from rag.llm.prompt import build_messages

__all__ = ["LLMBackend", "Message", "backend_from_settings", "build_messages"]
