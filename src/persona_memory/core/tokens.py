"""User tokens: bearer secrets that let an end user reach only /v1/me.

A token reads ``pmu_<id>_<secret>``. Only a SHA-256 of the secret is stored
(the secret is 256 random bits, so a slow hash buys nothing), and it is
compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from pydantic import Field, StrictInt

from persona_memory.core.base import Model

PREFIX = "pmu"
MAX_LIFETIME = 10 * 365 * 24 * 3600


class TokenCreate(Model):
    """A request for a user's API token: what it is for, and how long it lasts."""

    name: str = Field(default="", max_length=200, description="what the token is for")
    expires_in_seconds: StrictInt | None = Field(
        default=None,
        gt=0,
        le=MAX_LIFETIME,
        description="lifetime (at most ten years); omit for a token that does not expire",
    )


class UserToken(Model):
    """A token's public record: everything but the secret."""

    id: str
    user_id: str
    name: str
    created_at: datetime
    expires_at: datetime | None = None


class IssuedToken(UserToken):
    """A token just issued, with its secret: the only time the secret is shown."""

    token: str = Field(description="the bearer token; shown once, never stored")


class StoredToken(UserToken):
    secret_hash: str


def issue(user_id: str, request: TokenCreate, now: datetime) -> tuple[IssuedToken, StoredToken]:
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    expires_at = (
        now + timedelta(seconds=request.expires_in_seconds)
        if request.expires_in_seconds is not None
        else None
    )
    record = UserToken(
        id=token_id, user_id=user_id, name=request.name, created_at=now, expires_at=expires_at
    )
    issued = IssuedToken(**record.model_dump(), token=f"{PREFIX}_{token_id}_{secret}")
    return issued, StoredToken(**record.model_dump(), secret_hash=hash_secret(secret))


def parse(token: str) -> tuple[str, str] | None:
    """(token id, secret) of a well-formed token, else None."""
    prefix, _, rest = token.partition("_")
    token_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not token_id or not secret:
        return None
    return token_id, secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(stored: StoredToken, secret: str, now: datetime) -> bool:
    fresh = stored.expires_at is None or now < stored.expires_at
    return hmac.compare_digest(stored.secret_hash, hash_secret(secret)) and fresh
