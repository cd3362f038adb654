"""Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Ollama, vLLM,
llama.cpp's server): texts sent in batches, vectors checked and L2-normalised;
transport failures retried with backoff.

A memory cannot be stored without its vector, so unlike the chat model there is
no offline fallback: a failure raises :class:`EmbeddingFailed` (or its
:class:`EmbeddingUnavailable`) with a message that names the endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from persona_memory.core.errors import PersonaMemoryError
from persona_memory.core.ports import Vectors
from persona_memory.providers.http import Unreachable, post_retrying

PROBE_TEXT = "dimension probe"


class EmbeddingFailed(PersonaMemoryError):
    """The embedding endpoint answered, but not with usable vectors (502)."""

    status_code = 502
    code = "embedding_failed"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="embedder")


class EmbeddingUnavailable(EmbeddingFailed):
    """The embedding endpoint could not be reached or kept failing (503)."""

    status_code = 503
    code = "embedding_unavailable"


class OpenAICompatibleEmbedder:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        dimension: int | None = None,
        batch_size: int = 64,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if dimension is not None and dimension < 1:
            raise ValueError("dimension must be at least 1")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self._retries = retries
        self._batch_size = batch_size
        self._expected = dimension  # configured: every vector must have it
        self._dimension = dimension  # configured, or learned from the first answer
        self._lock = threading.Lock()
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers)

    @property
    def model_name(self) -> str:
        return f"openai:{self.model}"

    @property
    def dimension(self) -> int:
        """The configured dimension, else that of a probe text's vector (one request)."""
        dimension = self._dimension
        if dimension is None:
            dimension = self._post([PROBE_TEXT]).shape[1]  # _check records it
        return dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = [
            self._post(texts[start : start + self._batch_size])
            for start in range(0, len(texts), self._batch_size)
        ]
        matrix = batches[0] if len(batches) == 1 else np.concatenate(batches)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        normalised: Vectors = (matrix / norms).astype(np.float32, copy=False)
        return normalised

    def close(self) -> None:
        self._client.close()

    def _post(self, texts: Sequence[str]) -> Vectors:
        """One request's vectors, in input order, checked; not normalised."""
        body = {"model": self.model, "input": list(texts)}
        try:
            response = post_retrying(self._client, "/embeddings", body, self._retries)
        except Unreachable as error:
            raise EmbeddingUnavailable(
                f"embedding endpoint {self._where()} failed after {self._retries + 1} attempt(s) "
                f"({error}); a memory cannot be stored or searched by meaning without its vector"
            ) from error
        return self._check(self._vectors(response, len(texts)))

    def _vectors(self, response: httpx.Response, count: int) -> Vectors:
        if response.status_code >= 400:
            raise EmbeddingFailed(
                f"embedding endpoint {self._where()} answered HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )
        try:
            payload: Any = response.json()
            items = sorted(payload["data"], key=lambda item: int(item["index"]))
            indexes = [int(item["index"]) for item in items]
            rows = [item["embedding"] for item in items]
        except (ValueError, KeyError, TypeError) as error:
            raise EmbeddingFailed(
                f"embedding endpoint {self._where()} did not answer with embeddings: "
                f"{response.text[:200]}"
            ) from error
        if indexes != list(range(count)):
            raise EmbeddingFailed(
                f"embedding endpoint {self._where()} returned {len(rows)} embedding(s) "
                f"(indexes {indexes[:10]}) for {count} text(s)"
            )
        lengths = {len(row) if isinstance(row, list) else -1 for row in rows}
        if len(lengths) != 1 or -1 in lengths or 0 in lengths:
            raise EmbeddingFailed(
                f"embedding endpoint {self._where()} returned vectors of unequal or invalid "
                f"lengths {sorted(lengths)} in one answer"
            )
        try:
            matrix = np.asarray(rows, dtype=np.float32)
        except (ValueError, TypeError) as error:
            raise EmbeddingFailed(
                f"embedding endpoint {self._where()} returned non-numeric vectors"
            ) from error
        if not np.isfinite(matrix).all():
            raise EmbeddingFailed(
                f"embedding endpoint {self._where()} returned vectors with NaN or infinity"
            )
        return matrix

    def _check(self, matrix: Vectors) -> Vectors:
        found = matrix.shape[1]
        if self._dimension is None:
            with self._lock:
                if self._dimension is None:
                    self._dimension = found
        if found != self._dimension:
            origin = "configured" if self._expected is not None else "seen before"
            raise EmbeddingFailed(
                f"embedding endpoint {self._where()} returned {found}-dimensional vectors, "
                f"but the dimension {origin} is {self._dimension} "
                "(check PERSONA_MEMORY_EMBEDDING_DIMENSIONS and PERSONA_MEMORY_EMBEDDING_MODEL)"
            )
        return matrix

    def _where(self) -> str:
        return f"{self._client.base_url} (model {self.model!r})"
