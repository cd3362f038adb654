"""Procedural memory (seed 004): how a persona behaves, as key -> text templates
(``greeting_pattern``: "Yo {name}, what's up?"). A persona has its own; one
relationship may override a key for that user alone."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import Field

from persona_memory.core.base import MAX_DESCRIPTION_CHARS, MAX_PROMPT_CHARS, Model, UTCDatetime
from persona_memory.core.errors import InvalidInput, NotFoundError

KEY_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,99}$"


class ProcedurePut(Model):
    template: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)


class Procedure(ProcedurePut):
    key: str
    persona_id: str
    user_id: str | None = Field(description="set for a relationship's own procedure")
    created_at: UTCDatetime
    updated_at: UTCDatetime


class ProcedureHit(Procedure):
    score: float = Field(description="share of the query's words found, 0 to 1")


class ProcedureNotFound(NotFoundError):
    code = "procedure_not_found"

    def __init__(self, key: str) -> None:
        super().__init__(f"no procedure {key!r}", field="key")


def check_key(key: str) -> str:
    if not re.fullmatch(KEY_PATTERN, key):
        raise InvalidInput(
            f"{key!r} is not a procedure key: 1-100 lowercase letters, digits, '_', '.', '-'",
            field="key",
        )
    return key


def effective(persona_own: list[Procedure], relationship_own: list[Procedure]) -> list[Procedure]:
    """The procedures a relationship follows: its own, and the persona's where it
    has none of the same key."""
    merged = {p.key: p for p in persona_own} | {p.key: p for p in relationship_own}
    return [merged[key] for key in sorted(merged)]


_WORD = re.compile(r"[a-z0-9]+")


def ranked(procedures: list[Procedure], query: str, limit: int) -> list[ProcedureHit]:
    """Procedures whose key or template share words with the query, best first; a
    persona has few, so this is a scan."""
    wanted = set(_WORD.findall(query.lower()))
    if not wanted:
        return []
    hits = []
    for procedure in procedures:
        words = set(
            _WORD.findall(f"{procedure.key.replace('_', ' ')} {procedure.template}".lower())
        )
        score = len(wanted & words) / len(wanted)
        if score > 0:
            hits.append(ProcedureHit(**procedure.model_dump(), score=round(score, 4)))
    hits.sort(key=lambda hit: (-hit.score, hit.key))
    return hits[:limit]


def new_procedure(
    key: str, persona_id: str, user_id: str | None, data: ProcedurePut, now: datetime
) -> Procedure:
    return Procedure(
        key=check_key(key),
        persona_id=persona_id,
        user_id=user_id,
        created_at=now,
        updated_at=now,
        **data.model_dump(),
    )
