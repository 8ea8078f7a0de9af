"""Optional LLM answers: the backend interface, one module per backend, and the factory that picks one.
The grounded prompt and the citation check live with the answers (`rag.answers`)."""

from rag.llm.base import LLMBackend, Message
from rag.llm.factory import backend_from_settings

__all__ = ["LLMBackend", "Message", "backend_from_settings"]
