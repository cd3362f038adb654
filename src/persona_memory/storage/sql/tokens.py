"""End users' token rows (only a hash of each secret is stored)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from persona_memory.core.tokens import StoredToken, UserToken
from persona_memory.storage.schema import user_tokens
from persona_memory.storage.sql.base import Rows


class TokenSql(Rows):
    def insert_token(self, token: StoredToken) -> None:
        self.connection.execute(insert(user_tokens).values(token.model_dump()))

    def get_token(self, token_id: str) -> StoredToken | None:
        statement = select(user_tokens).where(user_tokens.c.id == token_id)
        row = self.connection.execute(statement).first()
        return None if row is None else StoredToken.model_validate(dict(row._mapping))

    def list_tokens(self, user_id: str) -> list[UserToken]:
        # Only the public columns: the secret's hash never leaves get_token.
        statement = (
            select(*(user_tokens.c[name] for name in UserToken.model_fields))
            .where(user_tokens.c.user_id == user_id)
            .order_by(user_tokens.c.created_at)
        )
        rows = self.connection.execute(statement).mappings()
        return [UserToken.model_validate(dict(row)) for row in rows]

    def delete_token(self, user_id: str, token_id: str) -> bool:
        result = self.connection.execute(
            delete(user_tokens).where(
                user_tokens.c.user_id == user_id, user_tokens.c.id == token_id
            )
        )
        return result.rowcount > 0
