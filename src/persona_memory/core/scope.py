"""Scopes: where a memory lives, and what a reader may see.

A scope is a value object, never read from free-form metadata. The one rule of
visibility lives in :func:`visible_scopes`; storage turns the resulting list
into a single SQL predicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from persona_memory.core.errors import InvalidInput
from persona_memory.core.ids import check_persona_id, check_user_id


class ScopeKind(StrEnum):
    """Where a memory lives: ``global`` (everyone), ``persona`` (a persona's own)
    or ``relationship`` (one persona with one user)."""

    GLOBAL = "global"
    PERSONA = "persona"
    RELATIONSHIP = "relationship"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a memory lives: a kind and the persona and user it names, such as
    ``Scope.relationship("brad", "alice")``."""

    kind: ScopeKind
    persona_id: str | None = None
    user_id: str | None = None

    def __post_init__(self) -> None:
        wants_persona = self.kind is not ScopeKind.GLOBAL
        wants_user = self.kind is ScopeKind.RELATIONSHIP
        if wants_persona != (self.persona_id is not None):
            raise InvalidInput(f"a {self.kind} scope needs persona_id only when it names a persona")
        if wants_user != (self.user_id is not None):
            raise InvalidInput(f"a {self.kind} scope takes user_id only for a relationship")
        if self.persona_id is not None:
            check_persona_id(self.persona_id)
        if self.user_id is not None:
            check_user_id(self.user_id)

    @property
    def key(self) -> str:
        """One string per scope ("global", "persona:brad", "relationship:brad:alice"),
        unique because persona ids never contain ':'. Indexes are keyed on it."""
        return ":".join(
            part for part in (self.kind.value, self.persona_id, self.user_id) if part is not None
        )

    @classmethod
    def global_(cls) -> Scope:
        """The scope every persona reads, with every user."""
        return cls(ScopeKind.GLOBAL)

    @classmethod
    def persona(cls, persona_id: str) -> Scope:
        """The persona's own scope: what it knows about itself, read with every user."""
        return cls(ScopeKind.PERSONA, persona_id)

    @classmethod
    def relationship(cls, persona_id: str, user_id: str) -> Scope:
        """The private scope of one persona with one user."""
        return cls(ScopeKind.RELATIONSHIP, persona_id, user_id)

    @classmethod
    def for_owner(cls, persona_id: str | None, user_id: str | None) -> Scope:
        """The scope a write lands in: persona+user, persona alone, or neither."""
        if user_id is not None and persona_id is None:
            raise InvalidInput(
                "a memory about a user belongs to a persona: give persona_id with user_id",
                field="persona_id",
            )
        if persona_id is None:
            return cls.global_()
        if user_id is None:
            return cls.persona(persona_id)
        return cls.relationship(persona_id, user_id)


def visible_scopes(persona_id: str | None, user_id: str | None) -> list[Scope]:
    """Every scope a reader for (persona, user) may see, and nothing else.

    (P, U) sees its relationship, P's persona scope and global; P alone sees P
    and global; nobody sees another relationship.
    """
    if user_id is not None and persona_id is None:
        raise InvalidInput(
            "reading a user's memories needs the persona they belong to: give persona_id",
            field="persona_id",
        )
    scopes = [Scope.global_()]
    if persona_id is not None:
        scopes.append(Scope.persona(persona_id))
    if persona_id is not None and user_id is not None:
        scopes.append(Scope.relationship(persona_id, user_id))
    return scopes
