"""What every provider that talks to an OpenAI-compatible endpoint shares: one
POST, retried with backoff on a transport error or a status worth retrying."""

from __future__ import annotations

import time
from typing import Any

import httpx

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


class Unreachable(Exception):
    """Every attempt failed; the message says how the last one did."""


def post_retrying(
    client: httpx.Client, path: str, body: dict[str, Any], retries: int
) -> httpx.Response:
    """The first answer not worth retrying (it may still be a 4xx: the caller
    judges it); Unreachable after ``retries + 1`` attempts."""
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(0.2 * 2**attempt, 2.0))
        try:
            response = client.post(path, json=body)
        except httpx.HTTPError as error:
            last = f"{type(error).__name__}: {error}"
            continue
        if response.status_code in RETRY_STATUSES:
            last = f"HTTP {response.status_code}"
            continue
        return response
    raise Unreachable(last)
