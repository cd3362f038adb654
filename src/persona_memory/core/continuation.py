"""Conversation continuation (seed 003): after a reply, a persona may ask a
quick question or share one of its own memories, at most one question a reply.

The settings live in the persona's passport (``Persona.continuation``). A reply
has two stages: the reflex (a quick first bubble) may add a question; the burst
(the rest) adds nothing if the reflex asked, else may add a share or a
question. This module is the pure decision; ``continuation_service.py`` reads
and writes the per-conversation state around it (docs/continuation.md)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt

from persona_memory.core.base import MAX_QUERY_CHARS, Model
from persona_memory.core.memories import MemoryRecord, SearchHit

ContinuationType = Literal["question", "share"]


def _both() -> list[ContinuationType]:
    return ["question", "share"]


class ContinuationSettings(Model):
    enabled: StrictBool = True
    probability: float = Field(
        default=0.5, ge=0.0, le=1.0, description="chance the burst stage adds a continuation"
    )
    reflex_question_probability: float = Field(
        default=0.25, ge=0.0, le=1.0, description="chance the reflex stage adds a quick question"
    )
    types: list[ContinuationType] = Field(default_factory=_both, min_length=1, max_length=2)
    share_from_memories: StrictBool = Field(
        default=True, description="a share quotes one of the persona's referencable memories"
    )


# --- requests and decisions -------------------------------------------------------

Stage = Literal["reflex", "burst"]
Action = Literal["none", "question", "share"]

MAX_CONVERSATION_ID_CHARS = 200
# The seed's quick questions. A persona replaces them with a list of strings in
# ``metadata["continuation_templates"]`` (see ``templates``).
DEFAULT_TEMPLATES = ("what about u?", "how'd that go?", "u excited?", "ooh how was it?")
TEMPLATES_KEY = "continuation_templates"
# Used when neither the request nor the service names a seed: decisions stay
# reproducible, and still differ between conversations (the conversation id is
# part of every draw).
DEFAULT_SEED = 0
MAX_SEED = 2**63 - 1
# How many of the persona's memories matching the user's message a share picks from.
SHARE_CANDIDATES = 5
# Memory ids a conversation remembers having shared, so it does not repeat itself;
# older ones may come round again.
MAX_REMEMBERED_SHARES = 50


class ContinuationRequest(Model):
    conversation_id: str = Field(
        min_length=1,
        max_length=MAX_CONVERSATION_ID_CHARS,
        description="the conversation the reply belongs to; its state is kept under this id",
    )
    user_message: str = Field(
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        description="the user's message being replied to: searched for a memory to share, "
        "never stored",
    )
    stage: Stage = Field(
        description="'reflex' (the quick first bubble) opens a reply; 'burst' (the rest of "
        "it) completes the reply its reflex opened"
    )
    seed: StrictInt | None = Field(
        default=None,
        ge=0,
        le=MAX_SEED,
        description="seed of the random draws; the same seed, conversation and reply number "
        "always give the same decision (default: the service's)",
    )


class ContinuationDecision(Model):
    conversation_id: str
    stage: Stage
    reply: int = Field(description="the reply's number in the conversation, from 1")
    action: Action
    text: str | None = Field(description="the question, or the memory's text for a share")
    memory: MemoryRecord | None = Field(description="for a share: the memory shared")
    reason: str = Field(description="why, for a person reading the logs")


# --- per-conversation state ----------------------------------------------------------


class ConversationState(Model):
    """What the coordinator keeps between calls: counters, flags and memory ids,
    never the user's text (a new conversation starts from the defaults)."""

    reply: StrictInt = Field(default=0, ge=0, description="replies opened so far")
    stage: Stage | None = Field(default=None, description="the last stage decided in `reply`")
    reflex_asked: StrictBool = Field(
        default=False, description="the reflex of reply `reply` asked a question"
    )
    shared: list[str] = Field(
        default_factory=list, description="ids of memories shared, oldest first"
    )


def open_reply(state: ConversationState, stage: Stage) -> ConversationState:
    """The state with this call's reply open. A reflex always opens a new reply; a
    burst completes the reply its reflex opened, or opens one of its own (a reply
    without a reflex) if the last call was not a reflex."""
    if stage == "burst" and state.stage == "reflex":
        return state
    return ConversationState(reply=state.reply + 1, shared=state.shared)


def _after(state: ConversationState, stage: Stage, choice: _Choice) -> ConversationState:
    """The state once this stage is decided. The reflex's flag is kept through the
    burst: a retried or repeated call must still see that the reflex asked."""
    reflex_asked = choice.action == "question" if stage == "reflex" else state.reflex_asked
    shared = state.shared
    if choice.memory is not None:
        shared = [*shared, choice.memory.id][-MAX_REMEMBERED_SHARES:]
    return ConversationState(
        reply=state.reply, stage=stage, reflex_asked=reflex_asked, shared=shared
    )


# --- randomness ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dice:
    """Reproducible draws: each (reply, stage) of a conversation has its own
    generator, seeded by a SHA-256 of everything that names it. Not Python's
    ``hash()``, which is salted per process: a restarted server must replay the
    same conversation the same way."""

    seed: int
    persona_id: str
    conversation_id: str

    def roll(self, reply: int, stage: Stage) -> random.Random:
        name = json.dumps([self.seed, self.persona_id, self.conversation_id, reply, stage])
        digest = hashlib.sha256(name.encode()).digest()
        return random.Random(int.from_bytes(digest[:16], "big"))


# --- the decision ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Choice:
    action: Action
    reason: str
    text: str | None = None
    memory: MemoryRecord | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """What a decision reads besides the state: the persona's settings and
    templates, and (for a burst) its memories that match the user's message, best
    first."""

    settings: ContinuationSettings
    templates: Sequence[str] = DEFAULT_TEMPLATES
    candidates: Sequence[MemoryRecord] = ()


def templates(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """The persona's quick questions: ``metadata["continuation_templates"]`` if it
    is a non-empty list of non-blank strings, else the seed's. Metadata is free
    form, so a malformed value is ignored rather than refused."""
    given = metadata.get(TEMPLATES_KEY)
    if isinstance(given, list) and given and all(isinstance(t, str) and t.strip() for t in given):
        return tuple(given)
    return DEFAULT_TEMPLATES


def is_relevant(hit: SearchHit) -> bool:
    """A memory is worth sharing only if it matched a content word of the user's
    message (``text_rank``: full text, function words dropped). The dense ranking
    always returns the nearest memories however far they are, and the fused score
    (built from places) has no absolute scale, so neither alone says "about this"."""
    return hit.text_rank is not None and hit.can_reference


def decide(
    turn: Turn, state: ConversationState, stage: Stage, dice: Dice
) -> tuple[ContinuationDecision, ConversationState]:
    """One stage of one reply: what to add, and the conversation's next state."""
    opened = open_reply(state, stage)
    rng = dice.roll(opened.reply, stage)
    choice = _reflex(turn, rng) if stage == "reflex" else _burst(turn, opened, rng)
    decision = ContinuationDecision(
        conversation_id=dice.conversation_id,
        stage=stage,
        reply=opened.reply,
        action=choice.action,
        text=choice.text,
        memory=choice.memory,
        reason=choice.reason,
    )
    return decision, _after(opened, stage, choice)


def _reflex(turn: Turn, rng: random.Random) -> _Choice:
    # Drawn first whatever the settings, so a setting never shifts later draws.
    roll = rng.random()
    settings = turn.settings
    if not settings.enabled:
        return _Choice("none", "continuation is disabled for this persona")
    if "question" not in settings.types:
        return _Choice("none", "this persona does not ask continuation questions")
    if roll >= settings.reflex_question_probability:
        return _Choice("none", "no quick question drawn this time")
    return _Choice("question", "a quick question drawn", text=_question(turn, rng))


def _burst(turn: Turn, state: ConversationState, rng: random.Random) -> _Choice:
    roll = rng.random()
    settings = turn.settings
    if not settings.enabled:
        return _Choice("none", "continuation is disabled for this persona")
    if state.reflex_asked:
        return _Choice("none", "the reflex already asked a question in this reply")
    if roll >= settings.probability:
        return _Choice("none", "no continuation drawn this time")
    memory = _shareable(turn, state)
    if memory is not None:
        return _Choice("share", "a memory of its own matches the message", memory.text, memory)
    if "question" in settings.types:
        return _Choice("question", _why_question(settings), text=_question(turn, rng))
    return _Choice("none", "no memory of its own matches the message, and questions are off")


def _shareable(turn: Turn, state: ConversationState) -> MemoryRecord | None:
    """The best matching memory not yet shared in this conversation, if shares
    from memories are on (a share has no other source)."""
    settings = turn.settings
    if "share" not in settings.types or not settings.share_from_memories:
        return None
    already = set(state.shared)
    return next(
        (m for m in turn.candidates if m.can_reference and m.id not in already),
        None,
    )


def _question(turn: Turn, rng: random.Random) -> str:
    return rng.choice(list(turn.templates or DEFAULT_TEMPLATES))


def _why_question(settings: ContinuationSettings) -> str:
    if "share" in settings.types and settings.share_from_memories:
        return "no memory of its own to share matches the message: a question instead"
    return "a follow-up question drawn"
