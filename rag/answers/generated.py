"""An LLM-written answer over numbered passages, before the citation check."""

from __future__ import annotations

from collections.abc import Callable

from rag.answers.citations import answer_from_text
from rag.answers.prompt import build_messages
from rag.answers.types import Answer
from rag.index.records import Hit
from rag.llm.base import LLMBackend


def llm_answer(
    question: str,
    given: list[Hit],
    backend: LLMBackend,
    *,
    stream: bool = True,
    on_token: Callable[[str], None] | None = None,
    max_sentences: int = 5,
    confidence: float = 0.0,
) -> Answer:
    """Ask the backend with passages [1]..[N]; tokens go to `on_token` as they arrive."""
    pieces: list[str] = []
    for piece in backend.generate(build_messages(question, given, max_sentences=max_sentences), stream=stream):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    answer = answer_from_text(question, "".join(pieces), given)
    answer.confidence = confidence
    return answer
