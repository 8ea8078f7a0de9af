"""The configured LLM backend (a new backend is one module beside openai_compat and one line here)."""

from __future__ import annotations

from rag.errors import PapersError
from rag.llm.base import LLMBackend
from rag.settings import Settings


def backend_from_settings(settings: Settings) -> LLMBackend:
    """The configured backend, or a clear error saying what to configure."""
    if not settings.llm_base_url:
        raise PapersError(
            "LLM answers need an OpenAI-compatible endpoint: set PAPERS_LLM_BASE_URL "
            "(e.g. http://127.0.0.1:11434/v1) and PAPERS_LLM_MODEL, or ask without --llm"
        )
    from rag.llm.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend.from_settings(settings)
