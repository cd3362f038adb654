"""Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM,
llama.cpp's server): JSON answers read robustly, validated, retried once with
the validation error; transport failures retried with backoff."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from persona_memory.core.ports import LLMOutputInvalid, LLMUnavailable
from persona_memory.providers.http import Unreachable, post_retrying
from persona_memory.providers.llms.json_output import NoJSON, parse_json_object

M = TypeVar("M", bound=BaseModel)
Message = dict[str, str]


class OpenAICompatibleLLM:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self._retries = retries
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers)

    def complete_json(self, messages: Sequence[Message], answer: type[M]) -> M:
        """The model's answer as ``answer``; one retry that shows the model its error."""
        text = self.chat(messages)
        try:
            return answer.model_validate(parse_json_object(text))
        except (NoJSON, ValidationError) as error:
            correction = (
                f"Your answer could not be used: {error}. "
                "Answer again with only the JSON object, nothing else."
            )
            retry = [*messages, {"role": "assistant", "content": text}]
            text = self.chat([*retry, {"role": "user", "content": correction}])
        try:
            return answer.model_validate(parse_json_object(text))
        except (NoJSON, ValidationError) as error:
            raise LLMOutputInvalid(str(error)) from error

    def chat(self, messages: Sequence[Message]) -> str:
        """The first choice's text; LLMUnavailable once the retries are spent."""
        body = {"model": self.model, "messages": list(messages), "temperature": 0}
        try:
            response = post_retrying(self._client, "/chat/completions", body, self._retries)
        except Unreachable as error:
            raise LLMUnavailable(f"{self._client.base_url}: {error}") from error
        return _content(response)

    def close(self) -> None:
        self._client.close()


def _content(response: httpx.Response) -> str:
    if response.status_code >= 400:
        raise LLMUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        payload: Any = response.json()
        content = payload["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise LLMOutputInvalid(f"not a chat completion: {response.text[:200]}") from error
    if not isinstance(content, str):
        raise LLMOutputInvalid("the completion has no text content")
    return content
