"""What an LLM backend must do: turn chat messages into text, streamed as it is produced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class LLMBackend(Protocol):
    """Any chat model. `generate` yields text pieces (one piece when not streaming)."""

    def generate(self, messages: list[Message], stream: bool = True) -> Iterator[str]: ...
