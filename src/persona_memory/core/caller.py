"""Who is calling: the admin, an end user (a user token), or an agent acting as
one persona for one user in one session.

Every service that touches a user's data is handed a ``Caller`` and checks it
here; identity never comes from request arguments, which can only narrow what
the caller may reach, never widen it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from persona_memory.core.errors import Forbidden, InvalidInput


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the admin, a user (with a user token), or an agent playing
    one persona for one user. The ``caller`` a service method takes limits it
    to what that caller may reach; the SDK's default is the admin."""

    role: Role
    user_id: str | None = None
    persona_id: str | None = None
    session_id: str | None = None

    @classmethod
    def admin(cls) -> Caller:
        """The admin: may act on everything."""
        return cls(Role.ADMIN)

    @classmethod
    def user(cls, user_id: str) -> Caller:
        """A user acting on their own data (with a user token)."""
        return cls(Role.USER, user_id=user_id)

    @classmethod
    def agent(
        cls, persona_id: str | None, user_id: str | None, session_id: str | None = None
    ) -> Caller:
        """An agent playing ``persona_id`` for ``user_id``: it acts on that
        relationship only."""
        return cls(Role.AGENT, user_id=user_id, persona_id=persona_id, session_id=session_id)

    def check_user(self, user_id: str) -> str:
        """``user_id``, if this caller may act on that user's data."""
        if self.role is Role.ADMIN or self.user_id == user_id:
            return user_id
        raise Forbidden(
            f"this caller acts for user {self.user_id!r} and may not act on {user_id!r}",
            field="user_id",
        )

    def check_relationship(self, persona_id: str, user_id: str) -> tuple[str, str]:
        """(persona, user), if this caller may act on that relationship."""
        self.check_user(user_id)
        if self.role is Role.AGENT and self.persona_id != persona_id:
            raise Forbidden(
                f"this agent acts as persona {self.persona_id!r}, not {persona_id!r}",
                field="persona_id",
            )
        return persona_id, user_id

    def relationship(self) -> tuple[str, str]:
        """The agent's own (persona, user): what its tools act on."""
        if self.persona_id is None or self.user_id is None:
            raise InvalidInput(
                "this tool acts on the caller's relationship: give context.persona_id "
                "and context.user_id",
                field="context",
            )
        return self.persona_id, self.user_id

    def own_user(self) -> str:
        """The user an agent's tool acts on; an error when the context names none."""
        if self.user_id is None:
            raise InvalidInput(
                "this tool acts on the caller's user: give context.user_id", field="context"
            )
        return self.user_id


ADMIN = Caller.admin()
