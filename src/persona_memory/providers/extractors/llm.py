"""Fact extraction by a chat model, with the heuristic extractor behind it: when
the endpoint is down or its answer stays unusable, the facts are still found
offline, and the fallback is logged and counted (``/healthz``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import ConfigDict, Field

from persona_memory.core.base import Model
from persona_memory.core.digests import Turn
from persona_memory.core.learning import Candidate, Extractor
from persona_memory.core.ports import LLM, LLMOutputInvalid, LLMUnavailable

logger = logging.getLogger("persona_memory.llm")

INSTRUCTIONS = """You extract durable facts that the USER states about themselves in a
conversation, for a persona's long-term memory of that user. Read only the lines
marked USER. Answer with one JSON object and nothing else:
{"facts": [{"text": "a third-person statement, e.g. 'User works at Initech'",
            "category": "preference | work | home | people | health | identity | goal
                         | activity | event | storyline",
            "entities": ["names, places, organisations, things"],
            "importance": 1-10 (10: never forget, e.g. an allergy; 3: a passing event),
            "slot": "a key for a single-valued attribute (employer, home_city, boss, name,
                     age) or null",
            "value": "the slot's value, e.g. 'Initech'; or null",
            "topic": "storylines only: a short snake_case key, e.g. sarah_work_conflict",
            "status": "storylines only: in_progress | resolved",
            "turns": [0-based line numbers the fact came from]}]}
Use the speaker's name instead of 'User' when a line gives one. No facts: {"facts": []}."""


class _Fact(Candidate):
    # A model may add keys of its own; they are dropped, not an error.
    model_config = ConfigDict(extra="ignore")


class _Answer(Model):
    model_config = ConfigDict(extra="ignore")

    facts: list[_Fact] = Field(default_factory=list, max_length=200)


class LLMExtractor:
    def __init__(self, llm: LLM, fallback: Extractor) -> None:
        self._llm = llm
        self._fallback = fallback
        self.fallbacks = 0

    def extract(self, turns: Sequence[Turn]) -> list[Candidate]:
        if not any(turn.role == "user" for turn in turns):
            return []
        lines = "\n".join(
            f"{index} {'USER' if turn.role == 'user' else turn.role}"
            f"{f' ({turn.name})' if turn.name else ''}: {turn.content}"
            for index, turn in enumerate(turns)
        )
        messages = [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": lines},
        ]
        try:
            answer = self._llm.complete_json(messages, _Answer)
        except (LLMUnavailable, LLMOutputInvalid) as error:
            self.fallbacks += 1
            logger.warning("LLM fact extraction failed, extracting offline instead: %s", error)
            return self._fallback.extract(turns)
        return [
            Candidate.model_validate(fact.model_dump() | {"turns": _known(fact.turns, turns)})
            for fact in answer.facts
        ]


def _known(indexes: list[int], turns: Sequence[Turn]) -> list[int]:
    """The model's turn numbers that name a turn (it may invent others)."""
    return [index for index in indexes if 0 <= index < len(turns)]
