"""A backend for any server speaking OpenAI's chat-completions protocol (OpenAI, vLLM, llama.cpp,
Ollama's /v1, LM Studio…), over plain httpx, with server-sent-event streaming."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx

from rag.errors import PapersError
from rag.llm.base import Message
from rag.settings import Settings


class LLMError(PapersError):
    """The LLM endpoint failed: unreachable, timed out, refused the key, or answered nonsense."""


class OpenAICompatBackend:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        temperature: float = 0.0,
        api_key_env: str = "OPENAI_API_KEY",
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.temperature = temperature
        self.api_key_env = api_key_env

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatBackend:
        assert settings.llm_base_url
        return cls(
            settings.llm_base_url,
            settings.llm_model or "default",
            api_key=os.environ.get(settings.llm_api_key_env) or None,
            timeout=settings.llm_timeout,
            api_key_env=settings.llm_api_key_env,
        )

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def generate(self, messages: list[Message], stream: bool = True) -> Iterator[str]:
        body = {"model": self.model, "messages": messages, "stream": stream, "temperature": self.temperature}
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(self.timeout)) as client,
                client.stream("POST", self.url, json=body, headers=self._headers()) as response,
            ):
                if response.status_code >= 400:
                    response.read()
                    raise self._status_error(response)
                if stream and response.headers.get("content-type", "").startswith("text/event-stream"):
                    yield from self._events(response)
                else:
                    response.read()
                    yield self._content(response)
        except httpx.TimeoutException:
            raise LLMError(f"the LLM at {self.url} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise LLMError(f"cannot reach the LLM at {self.url}: {type(exc).__name__}: {exc}") from None

    def _status_error(self, response: httpx.Response) -> LLMError:
        try:
            detail = response.json().get("error", {})
            detail = detail.get("message", "") if isinstance(detail, dict) else str(detail)
        except ValueError:
            detail = response.text[:200]
        hint = ""
        if response.status_code in (401, 403):
            hint = f" (check the API key in ${self.api_key_env})"
        detail = " ".join(str(detail).split())[:200]
        return LLMError(f"the LLM at {self.url} answered HTTP {response.status_code}{hint}: {detail or 'no detail'}")

    def _content(self, response: httpx.Response) -> str:
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(f"the LLM at {self.url} sent a reply that is not a chat completion") from None

    def _events(self, response: httpx.Response) -> Iterator[str]:
        """SSE: `data: {json}` lines, ending with `data: [DONE]`."""
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                event = json.loads(data)
            except ValueError:
                raise LLMError(f"the LLM at {self.url} streamed a malformed event: {data[:80]!r}") from None
            if "error" in event:
                raise LLMError(f"the LLM at {self.url} failed mid-answer: {str(event['error'])[:200]}")
            for choice in event.get("choices", []):
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    yield piece
