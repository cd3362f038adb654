"""Persona memory classification by a chat model, with the heuristic classifier
behind it: when the endpoint is down or its answer stays unusable, the session
is still classified offline, and the fallback is logged and counted.

What the model proposes is not trusted to be anonymous: the persona scope's PII
firewall screens every memory again before it is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import ConfigDict, Field

from persona_memory.core.base import Model
from persona_memory.core.digests import Turn
from persona_memory.core.persona_learning import (
    ANONYMIZATION_RULES,
    IMPORTANCE_SCALE,
    PersonaMemoryCandidate,
    PersonaMemoryClassifier,
)
from persona_memory.core.ports import LLM, LLMOutputInvalid, LLMUnavailable

logger = logging.getLogger("persona_memory.llm")

INSTRUCTIONS = f"""You decide what a persona should remember, as its OWN memory, from a
conversation it just had with a user. Its own memories are read by every user's
conversations with it, so they must carry topics, ideas, emotions and patterns,
never a person.

Read what the lines marked USER shared. Keep only what is highly interesting or
impactful: topics, ideas, emotions, patterns; something the persona learned or
experienced; general insights without specific personal data. Most conversations
give nothing to keep.

Importance scale (1-10):
{IMPORTANCE_SCALE}

Anonymisation rules (apply them to every memory):
{ANONYMIZATION_RULES}

Write each memory in the persona's voice, e.g.:
- USER: "John at Google told me about their new AI project"
  -> "I had a fascinating conversation about AI projects" (experience, 7)
- USER: "I live at 123 Main St in San Francisco" -> nothing (routine + too much PII)
- USER: "I'm terrified of deep water"
  -> "Someone shared they're afraid of deep water" (emotional_pattern, 8)

Answer with one JSON object and nothing else:
{{"memories": [{{"text": "the anonymised memory",
                "category": "experience | preference | opinion | learned_fact | interest
                             | relationship | emotional_pattern",
                "importance": 1-10,
                "reason": "why it is worth remembering, without personal data"}}]}}
Nothing worth remembering: {{"memories": []}}."""


class _Memory(PersonaMemoryCandidate):
    # A model may add keys of its own; they are dropped, not an error.
    model_config = ConfigDict(extra="ignore")


class _Answer(Model):
    model_config = ConfigDict(extra="ignore")

    memories: list[_Memory] = Field(default_factory=list, max_length=50)


class LLMPersonaClassifier:
    def __init__(self, llm: LLM, fallback: PersonaMemoryClassifier) -> None:
        self._llm = llm
        self._fallback = fallback
        self.fallbacks = 0

    def classify(self, turns: Sequence[Turn]) -> list[PersonaMemoryCandidate]:
        if not any(turn.role == "user" for turn in turns):
            return []
        # The persona's lines are context (what a "that" refers to); only USER lines teach.
        lines = "\n".join(
            f"{'USER' if turn.role == 'user' else turn.role}: {turn.content}" for turn in turns
        )
        messages = [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": lines},
        ]
        try:
            answer = self._llm.complete_json(messages, _Answer)
        except (LLMUnavailable, LLMOutputInvalid) as error:
            self.fallbacks += 1
            logger.warning(
                "LLM persona memory classification failed, classifying offline: %s", error
            )
            return self._fallback.classify(turns)
        return [PersonaMemoryCandidate.model_validate(m.model_dump()) for m in answer.memories]
