"""Session summaries by a chat model, with the extractive summarizer behind it:
when the endpoint is down or its answer stays unusable, the session still ends,
summarised offline, and the fallback is logged and counted."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import ConfigDict

from persona_memory.core.digests import SessionDigest, Summarizer, Turn
from persona_memory.core.ports import LLM, LLMOutputInvalid, LLMUnavailable

logger = logging.getLogger("persona_memory.llm")

INSTRUCTIONS = """You summarise one conversation between a user and a persona for the
persona's long-term memory. Answer with one JSON object and nothing else:
{"summary": "2-4 sentences: what was discussed, decided and felt",
 "key_topics": ["up to 6 short lowercase topics"],
 "decisions": ["decisions made, one sentence each"],
 "action_items": ["things someone will do, one sentence each"],
 "emotional_tone": "positive | negative | mixed | neutral",
 "emotions": ["e.g. stressed, relieved"],
 "people_mentioned": ["names of people mentioned, other than the two speakers"]}"""


class _Answer(SessionDigest):
    # A model may add keys of its own; they are dropped, not an error.
    model_config = ConfigDict(extra="ignore")


class LLMSummarizer:
    def __init__(self, llm: LLM, fallback: Summarizer) -> None:
        self._llm = llm
        self._fallback = fallback
        self.fallbacks = 0

    def summarize(self, turns: Sequence[Turn], *, max_sentences: int = 4) -> SessionDigest:
        if not turns:
            return SessionDigest()
        transcript = "\n".join(f"{t.role} [{t.timeline}]: {t.content}" for t in turns)
        messages = [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": transcript},
        ]
        try:
            answer = self._llm.complete_json(messages, _Answer)
        except (LLMUnavailable, LLMOutputInvalid) as error:
            self.fallbacks += 1
            logger.warning("LLM summary failed, summarising offline instead: %s", error)
            return self._fallback.summarize(turns, max_sentences=max_sentences)
        return SessionDigest.model_validate(answer.model_dump())
