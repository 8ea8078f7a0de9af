"""What an LLM backend must do: turn chat messages into text, streamed as it is produced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rag.settings import Settings

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class LLMBackend(Protocol):
    """Any chat model. `generate` yields text pieces (one piece when not streaming)."""

    def generate(self, messages: list[Message], stream: bool = True) -> Iterator[str]: ...


def backend_from_settings(settings: Settings) -> LLMBackend:
    """The configured backend, or a clear error saying what to configure."""
    from rag.errors import PapersError

    if not settings.llm_base_url:
        raise PapersError(
            "LLM answers need an OpenAI-compatible endpoint: set PAPERS_LLM_BASE_URL "
            "(e.g. http://127.0.0.1:11434/v1) and PAPERS_LLM_MODEL, or ask without --llm"
        )
    from rag.llm.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend.from_settings(settings)
