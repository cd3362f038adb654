"""Personas: the AI characters whose memories we keep."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, model_validator

from persona_memory.core.base import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_PROMPT_CHARS,
    BoundedJSON,
    Model,
    Rules,
    bounded_json,
    refuse_nulls,
)
from persona_memory.core.continuation import ContinuationSettings
from persona_memory.core.errors import NotFoundError
from persona_memory.core.ids import PERSONA_ID_PATTERN
from persona_memory.core.profiles import ProfileCategory, default_profile_schema

Traits = Annotated[dict[str, str], AfterValidator(bounded_json)]


class PersonaFields(Model):
    """Everything about a persona but its id; shared by create and read."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)
    core_system_prompt: str = Field(default="", max_length=MAX_PROMPT_CHARS)
    personality_traits: Traits = Field(default_factory=dict)
    behavioral_rules: Rules = Field(default_factory=list)
    voice: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    metadata: BoundedJSON = Field(default_factory=dict)
    attach_user_persona_blocks: StrictBool = Field(
        default=True,
        description="attach the shared blocks of the user's user personas to this persona's "
        "relationships",
    )
    profile_schema: dict[str, ProfileCategory] = Field(
        default_factory=default_profile_schema,
        max_length=50,
        description="the categories of the JSON profile this persona keeps about each user",
    )
    profile_title: str = Field(
        default="USER MEMORY", max_length=100, description="title of the profile prompt section"
    )
    continuation: ContinuationSettings = Field(
        default_factory=ContinuationSettings,
        description="when the persona continues a conversation with a question or a share",
    )


class PersonaCreate(PersonaFields):
    """A new persona: its id (a slug such as ``sage``) and everything about it."""

    id: str = Field(pattern=PERSONA_ID_PATTERN, description="slug, e.g. 'sage'")


class PersonaUpdate(Model):
    """A partial update: only the fields given change."""

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_CHARS)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    core_system_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    personality_traits: Traits | None = None
    behavioral_rules: Rules | None = None
    voice: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    metadata: BoundedJSON | None = None
    attach_user_persona_blocks: StrictBool | None = None
    profile_schema: dict[str, ProfileCategory] | None = Field(default=None, max_length=50)
    profile_title: str | None = Field(default=None, max_length=100)
    continuation: ContinuationSettings | None = None

    @model_validator(mode="after")
    def _nulls(self) -> PersonaUpdate:
        refuse_nulls(self, frozenset({"voice"}))
        return self


class Persona(PersonaCreate):
    """A persona, with when it was created and last changed."""

    created_at: datetime
    updated_at: datetime


class PersonaNotFound(NotFoundError):
    """No persona has that id (404)."""

    code = "persona_not_found"

    def __init__(self, persona_id: str) -> None:
        super().__init__(f"persona {persona_id!r} does not exist", field="persona_id")


def updated(persona: Persona, changes: PersonaUpdate, now: datetime) -> Persona:
    """The persona with the given fields changed (re-validated as a whole)."""
    given = changes.model_dump(exclude_unset=True)
    return Persona.model_validate(persona.model_dump() | given | {"updated_at": now})
