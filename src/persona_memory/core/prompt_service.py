"""Builds one persona's system prompt for one user (core/prompts.py assembles it).

Everything is read from one snapshot, except the searches a ``query`` asks for
(each its own snapshot, as search always is). Only the relationship's own
memories, the persona's own and what is attached to the relationship can
appear; a superseded fact (``valid_to`` passed) never does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from persona_memory.core.base import utcnow
from persona_memory.core.blocks import Block, BlockOwner
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.decay import Decay
from persona_memory.core.episodes import EPISODE_CATEGORY, Episode
from persona_memory.core.learning import STORYLINE_CATEGORY
from persona_memory.core.memories import MemoryQuery, MemoryRecord, SearchHit
from persona_memory.core.persona_service import require_persona
from persona_memory.core.personas import Persona
from persona_memory.core.ports import Searcher, Store, Tokenizer, Transaction, Vectors
from persona_memory.core.procedures import Procedure, effective
from persona_memory.core.profiles import Profile, category_line
from persona_memory.core.prompts import TITLES, Line, Prompt, PromptRequest, Section, assemble
from persona_memory.core.relationships import Relationship
from persona_memory.core.scope import Scope
from persona_memory.core.sessions import SessionStatus

INSIDE_JOKE_CATEGORY = "inside_joke"
# Categories that have a section of their own, not the facts list.
NOT_FACTS = frozenset({EPISODE_CATEGORY, STORYLINE_CATEGORY, INSIDE_JOKE_CATEGORY})
MAX_CANDIDATES = 200
# Matches ranked by search, 20 to 100 of them; the rest still compete by decayed
# importance. A search's time grows with its limit, the larger part of a build's.
# So the first asks for one match per 25 tokens of budget (a conversation turn is
# ~37), and only when its lines fill less than 80% of the budget (short learned
# facts) a second asks for one per 10. On LoCoMo at 1,000 tokens the first
# sufficed for every build of turns, and for 93% with learned facts (docs/prompt.md).
SEARCH_LIMIT = 100
MIN_SEARCH_LIMIT = 20
TOKENS_PER_MATCH = 25
TOKENS_PER_SHORT_MATCH = 10
FILLED = 0.8
IMPORTANT = 7
FILLERS = 50


class _Question(NamedTuple):
    text: str
    vector: Vectors


@dataclass(frozen=True)
class _Asked:
    """What one section's search asks: in which scope, when, and the question."""

    scope: Scope
    now: datetime
    question: _Question | None


@dataclass(frozen=True)
class _Snapshot:
    persona: Persona
    user_name: str
    relationship: Relationship | None
    memories: list[MemoryRecord]  # the relationship's current ones
    persona_memories: list[MemoryRecord]
    profile: Profile | None
    blocks: list[Block]
    episodes: list[Episode]
    procedures: list[Procedure]
    session_lines: list[str]


class PromptService:
    """System prompts; reached as ``memory.prompts`` (``memory.build_prompt`` is
    the shortcut)."""

    def __init__(
        self, store: Store, searcher: Searcher, tokenizer: Tokenizer, decay: Decay | None = None
    ) -> None:
        self._store = store
        self._searcher = searcher
        self._tokenizer = tokenizer
        self._decay = decay or Decay()

    def build(self, request: PromptRequest, *, caller: Caller = ADMIN) -> Prompt:
        """The persona's system prompt for the user within the request's token
        budget, with a manifest of what went in, why, and what was dropped."""
        caller.check_relationship(request.persona_id, request.user_id)
        now = utcnow()
        # Embedded once, before the snapshot opens: each section's search reuses it.
        question = None
        if request.query is not None:
            question = _Question(request.query, self._searcher.embed_query(request.query))
        snapshot = self._read(request, now)
        wanted = set(request.sections or Section)
        lines = self._lines(snapshot, request, now, question)
        lines = [line for line in lines if line.section in wanted]
        return assemble(
            lines,
            _titles(snapshot),
            request.token_budget,
            self._tokenizer.count,
            tokenizer=self._tokenizer.name,
        )

    # --- reading ----------------------------------------------------------

    def _read(self, request: PromptRequest, now: datetime) -> _Snapshot:
        persona_id, user_id = request.persona_id, request.user_id
        with self._store.read() as tx:
            persona = require_persona(tx, persona_id)
            user = tx.get_user(user_id)
            relationship = tx.get_relationship(persona_id, user_id)
            own = Scope.for_owner(persona_id, user_id)
            # A prompt is read by the agent: only memories that may be referenced.
            current = MemoryQuery(scopes=(own,), current_at=now, referenceable_only=True)
            persona_scope = MemoryQuery(
                scopes=(Scope.for_owner(persona_id, None),),
                current_at=now,
                referenceable_only=True,
            )
            exists = relationship is not None
            return _Snapshot(
                persona=persona,
                user_name=(user.name if user and user.name else user_id),
                relationship=relationship,
                memories=(
                    _candidates(tx, current, query=request.query is not None) if exists else []
                ),
                persona_memories=tx.list_memories(persona_scope, limit=MAX_CANDIDATES),
                profile=tx.get_profile(persona_id, user_id) if exists else None,
                blocks=tx.attached_blocks(persona_id, user_id) if exists else [],
                episodes=_recent_episodes(tx, relationship),
                procedures=effective(
                    tx.list_procedures(persona_id, None),
                    tx.list_procedures(persona_id, user_id) if exists else [],
                ),
                session_lines=_session_lines(tx, request),
            )

    # --- lines --------------------------------------------------------------

    def _lines(
        self,
        snapshot: _Snapshot,
        request: PromptRequest,
        now: datetime,
        question: _Question | None,
    ) -> list[Line]:
        return [
            *_core_identity(snapshot.persona),
            *_relationship(snapshot),
            *self._facts(snapshot, request, now, question),
            *_profile(snapshot),
            *_core_memory(snapshot.blocks),
            *self._about_you(snapshot, request, now, question),
            *self._recent_context(snapshot, now),
            *_style(snapshot.procedures),
            *_task(snapshot),
        ]

    def _facts(
        self,
        snapshot: _Snapshot,
        request: PromptRequest,
        now: datetime,
        question: _Question | None,
    ) -> list[Line]:
        facts = [m for m in snapshot.memories if m.category not in NOT_FACTS]
        asked = _Asked(Scope.for_owner(request.persona_id, request.user_id), now, question)
        scored = self._ranked(
            facts, asked, request.token_budget, lambda m: m.category not in NOT_FACTS
        )
        return [
            Line(Section.FACTS, m.id, "fact", f"- {m.text}", score, reason)
            for m, score, reason in scored
        ]

    def _about_you(
        self,
        snapshot: _Snapshot,
        request: PromptRequest,
        now: datetime,
        question: _Question | None,
    ) -> list[Line]:
        # The persona's own memories (seed 003 will give them their own kind;
        # until then every persona-scope memory is one).
        if not snapshot.persona_memories:
            return []  # none at all: no search to run
        asked = _Asked(Scope.for_owner(request.persona_id, None), now, question)
        scored = self._ranked(
            snapshot.persona_memories, asked, request.token_budget, lambda m: True
        )
        return [
            Line(Section.ABOUT_YOU, m.id, "persona_memory", f"- {m.text}", score, reason)
            for m, score, reason in scored
        ]

    def _ranked(
        self,
        memories: list[MemoryRecord],
        asked: _Asked,
        budget: int,
        belongs: Callable[[MemoryRecord], bool],
    ) -> list[tuple[MemoryRecord, float, str]]:
        """With a query: the scope's best matches by hybrid search (times decay),
        then the read candidates by decayed importance; without: the latter only."""
        found: list[tuple[MemoryRecord, float, str]] = []
        if asked.question is not None:
            query = MemoryQuery(
                scopes=(asked.scope,), current_at=asked.now, referenceable_only=True
            )
            hits = self._matches(asked.question, query, budget)
            found = [(hit, hit.score, "relevant to the query") for hit in hits if belongs(hit)]
        seen = {m.id for m, _, _ in found}
        # Below every match (scores under 0.001; a match scores far more).
        rest = [
            (m, self._decay.effective_importance(m, asked.now) / 10_000, "important and recent")
            for m in memories
            if m.id not in seen
        ]
        rest.sort(key=lambda item: (-item[1], item[0].id))
        return found + rest[: max(0, MAX_CANDIDATES - len(found))]

    def _matches(self, question: _Question, query: MemoryQuery, budget: int) -> list[SearchHit]:
        """The question's best matches, enough to fill ``budget`` tokens of lines."""
        text, vector = question
        limit = _search_limit(budget, TOKENS_PER_MATCH)
        hits = self._searcher.search_embedded(text, vector, query, limit=limit)
        if len(hits) < limit or self._tokens(hits) >= FILLED * budget:
            return hits  # the scope has no more, or the lines fill the budget
        wider = _search_limit(budget, TOKENS_PER_SHORT_MATCH)
        return self._searcher.search_embedded(text, vector, query, limit=wider)

    def _tokens(self, hits: Sequence[SearchHit]) -> int:
        # The lines as _facts writes them; the tokenizer keeps the counts for assemble.
        return sum(self._tokenizer.count(f"- {hit.text}") for hit in hits)

    def _recent_context(self, snapshot: _Snapshot, now: datetime) -> list[Line]:
        lines = [
            Line(
                Section.RECENT_CONTEXT,
                f"episode:{e.session_id}",
                "episode",
                f"{_call_label(index)} ({_ago(e.ended_at, now)}): {e.summary}",
                1.0 / (index + 1),
                "recent call (auto_recall_depth)",
            )
            for index, e in enumerate(snapshot.episodes)
        ]
        storylines = [
            m
            for m in snapshot.memories
            if m.category == STORYLINE_CATEGORY and m.metadata.get("status") != "resolved"
        ]
        lines += [
            Line(
                Section.RECENT_CONTEXT,
                m.id,
                "storyline",
                f"Current ongoing situation: {m.text}",
                1.5 * self._decay.effective_importance(m, now) / 10,
                "ongoing storyline",
            )
            for m in storylines
        ]
        lines += [
            Line(Section.RECENT_CONTEXT, f"session:{index}", "session", text, 2.0, "this call")
            for index, text in enumerate(snapshot.session_lines)
        ]
        return lines


# --- sections that need no ranking ----------------------------------------------


def _titles(snapshot: _Snapshot) -> dict[Section, str]:
    overrides = snapshot.persona.metadata.get("prompt_titles")
    titles = dict(TITLES)
    if isinstance(overrides, dict):
        titles |= {
            Section(k): str(v) for k, v in overrides.items() if k in Section._value2member_map_
        }
    name = snapshot.user_name.upper()
    title = snapshot.persona.profile_title
    return {
        s: t.replace("{name}", name).replace("{profile_title}", title) for s, t in titles.items()
    }


def _core_identity(persona: Persona) -> list[Line]:
    parts = [persona.core_system_prompt.strip() or f"You are {persona.name}."]
    if persona.personality_traits:
        traits = ", ".join(f"{k}: {v}" for k, v in sorted(persona.personality_traits.items()))
        parts.append(f"Personality: {traits}")
    parts += [f"- {rule}" for rule in persona.behavioral_rules]
    text = "\n".join(parts)
    return [Line(Section.CORE_IDENTITY, f"persona:{persona.id}", "persona", text, 1.0, "always")]


def _relationship(snapshot: _Snapshot) -> list[Line]:
    relationship = snapshot.relationship
    if relationship is None:
        return []
    text = f"You are {snapshot.user_name}'s {relationship.relationship_type}."
    if relationship.custom_system_prompt:
        text += f" {relationship.custom_system_prompt.strip()}"
    lines = [
        Line(Section.RELATIONSHIP, "relationship", "relationship", text, 1.0, "the relationship")
    ]
    jokes = [m for m in snapshot.memories if m.category == INSIDE_JOKE_CATEGORY]
    lines += [
        Line(
            Section.RELATIONSHIP,
            m.id,
            "inside_joke",
            f"- Inside joke you share: {m.text}",
            0.5 + m.importance / 100,
            "inside joke",
        )
        for m in sorted(jokes, key=lambda m: (-m.importance, m.created_at))
    ]
    return lines


def _profile(snapshot: _Snapshot) -> list[Line]:
    if snapshot.profile is None:
        return []
    categories = snapshot.profile.categories
    return [
        Line(
            Section.PROFILE,
            f"profile:{name}",
            "profile",
            category_line(name, categories[name]),
            1.0 - index / 100,
            "profile category",
        )
        for index, name in enumerate(snapshot.persona.profile_schema)
        if categories.get(name)
    ]


def _core_memory(blocks: Sequence[Block]) -> list[Line]:
    return [
        Line(
            Section.CORE_MEMORY,
            block.id,
            "shared_block" if block.owner is BlockOwner.USER_PERSONA else "block",
            f"[{block.label}] {block.value.strip()}",
            1.0 - index / 100,
            "attached block",
        )
        for index, block in enumerate(blocks)
        # The persona block repeats core identity: one source of truth.
        if block.value.strip() and block.owner is not BlockOwner.PERSONA
    ]


def _style(procedures: Sequence[Procedure]) -> list[Line]:
    return [
        Line(
            Section.CONVERSATION_STYLE,
            f"procedure:{p.key}",
            "procedure",
            f"- {p.key}: {p.template}",
            1.0 - index / 1000,
            "procedure",
        )
        for index, p in enumerate(procedures)
    ]


def _task(snapshot: _Snapshot) -> list[Line]:
    template = snapshot.persona.metadata.get("prompt_task")
    if not isinstance(template, str):
        template = "{user} is talking to you right now. Be {persona}."
    text = template.replace("{user}", snapshot.user_name).replace(
        "{persona}", snapshot.persona.name
    )
    return [Line(Section.TASK, "task", "task", text, 1.0, "the task")]


def _search_limit(budget: int, tokens_per_match: int) -> int:
    return max(MIN_SEARCH_LIMIT, min(SEARCH_LIMIT, budget // tokens_per_match))


def _candidates(tx: Transaction, current: MemoryQuery, *, query: bool) -> list[MemoryRecord]:
    """What competes besides a query's matches: the important memories (an old
    allergy still matters) and, without a query, the newest; each capped. A
    query's search looks at the whole scope itself."""
    important = replace(current, min_importance=IMPORTANT)
    found = {
        m.id: m for m in tx.list_memories(important, limit=FILLERS if query else MAX_CANDIDATES)
    }
    if not query:
        found |= {m.id: m for m in tx.list_memories(current, limit=MAX_CANDIDATES)}
    for category in (STORYLINE_CATEGORY, INSIDE_JOKE_CATEGORY):
        found |= {m.id: m for m in tx.list_memories(replace(current, category=category))}
    return list(found.values())


def _recent_episodes(tx: Transaction, relationship: Relationship | None) -> list[Episode]:
    if relationship is None or not relationship.memory_config.remember_past_conversations:
        return []
    found = tx.get_episodes(tx.list_sessions(relationship.persona_id, relationship.user_id))
    depth = relationship.memory_config.auto_recall_depth
    return sorted(found, key=lambda e: e.ended_at, reverse=True)[:depth]


def _session_lines(tx: Transaction, request: PromptRequest) -> list[str]:
    """The live session's latest turns, when it belongs to this relationship."""
    if request.session_id is None:
        return []
    session = tx.get_session(request.session_id)
    if (
        session is None
        or (session.persona_id, session.user_id) != (request.persona_id, request.user_id)
        or session.status is not SessionStatus.LIVE
    ):
        return []
    entries = tx.list_entries(session.id)[-6:]
    return [f"This call so far - {e.role}: {e.content[:300]}" for e in entries]


def _call_label(index: int) -> str:
    return "Last call" if index == 0 else "Earlier call"


def _ago(then: datetime, now: datetime) -> str:
    days = (now - then).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
