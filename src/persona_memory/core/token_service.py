"""Issuing, listing, revoking and checking end users' bearer tokens."""

from __future__ import annotations

from persona_memory.core.errors import NotFoundError, UserNotFound
from persona_memory.core.ids import check_user_id
from persona_memory.core.models import utcnow
from persona_memory.core.ports import Store
from persona_memory.core.tokens import IssuedToken, TokenCreate, UserToken, issue, matches, parse


class TokenService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def issue(self, user_id: str, request: TokenCreate | None = None) -> IssuedToken:
        """A new token for an existing user; its secret is returned only here."""
        self._user(user_id)
        issued, stored = issue(user_id, request or TokenCreate(), utcnow())
        self._store.create_token(stored)
        return issued

    def all(self, user_id: str) -> list[UserToken]:
        self._user(user_id)
        return self._store.list_tokens(user_id)

    def revoke(self, user_id: str, token_id: str) -> None:
        self._user(user_id)
        if not self._store.delete_token(user_id, token_id):
            raise NotFoundError(f"user {user_id!r} has no token {token_id!r}", field="token_id")

    def user_for(self, token: str) -> str | None:
        """The user a valid, unexpired token belongs to; None for anything else."""
        parsed = parse(token)
        if parsed is None:
            return None
        token_id, secret = parsed
        stored = self._store.get_token(token_id)
        if stored is None or not matches(stored, secret, utcnow()):
            return None
        return stored.user_id

    def _user(self, user_id: str) -> None:
        if self._store.get_user(check_user_id(user_id)) is None:
            raise UserNotFound(user_id)
