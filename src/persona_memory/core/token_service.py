"""Issuing, listing, revoking and checking end users' bearer tokens."""

from __future__ import annotations

from persona_memory.core.base import utcnow
from persona_memory.core.errors import NotFoundError
from persona_memory.core.ports import Store
from persona_memory.core.tokens import IssuedToken, TokenCreate, UserToken, issue, matches, parse
from persona_memory.core.user_service import require_user


class TokenService:
    """Users' API tokens; reached as ``memory.tokens``. A user's token reaches
    that user's data only."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def issue(self, user_id: str, request: TokenCreate | None = None) -> IssuedToken:
        """A new token for an existing user; its secret is returned only here."""
        with self._store.transaction() as tx:
            require_user(tx, user_id)  # first: an unknown id is a 404, whatever it holds
            issued, stored = issue(user_id, request or TokenCreate(), utcnow())
            tx.insert_token(stored)
        return issued

    def all(self, user_id: str) -> list[UserToken]:
        """The user's tokens, without their secrets."""
        with self._store.read() as tx:
            require_user(tx, user_id)
            return tx.list_tokens(user_id)

    def revoke(self, user_id: str, token_id: str) -> None:
        """Revoke one of the user's tokens: it stops working at once."""
        with self._store.transaction() as tx:
            require_user(tx, user_id)
            if not tx.delete_token(user_id, token_id):
                raise NotFoundError(f"user {user_id!r} has no token {token_id!r}", field="token_id")

    def user_for(self, token: str) -> str | None:
        """The user a valid, unexpired token belongs to; None for anything else."""
        parsed = parse(token)
        if parsed is None:
            return None
        token_id, secret = parsed
        with self._store.read() as tx:
            stored = tx.get_token(token_id)
        if stored is None or not matches(stored, secret, utcnow()):
            return None
        return stored.user_id
