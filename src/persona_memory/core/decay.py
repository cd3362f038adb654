"""Decay and reinforcement: older memories fade unless re-mentioned (seed 004).

A memory's *effective importance* at time ``t`` is

    E(t) = I * 2 ** (-(t - t_r) / (H * (1 + ln(1 + r))))

where ``I`` is its stored importance (1-10), ``t_r`` the last time it was
reinforced (re-mentioned in a conversation or returned by a search; its
creation until then), ``r`` how many times it has been reinforced, and ``H``
the half-life of its tier. Each reinforcement restarts the clock and
lengthens the half-life a little (spaced repetition): a fact mentioned five
times fades about 2.8 times slower than one mentioned once.

Ranking uses ``weight = 0.5 + 0.05 * E``: between 0.5 (forgotten) and 1.0
(important and fresh), multiplied into the fused relevance, so a faded memory
still comes back when nothing else matches. docs/learning.md plots E(t);
scripts/plot_decay.py draws the plot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from persona_memory.core.episodes import EPISODE_CATEGORY
from persona_memory.core.learning import STORYLINE_CATEGORY
from persona_memory.core.memories import MemoryRecord

SECONDS_PER_DAY = 86_400.0
# Only this often does retrieval reinforce the same memory: a search that an
# agent repeats every turn should not count as fifty re-mentions.
RETRIEVAL_REINFORCEMENT_GAP_SECONDS = 3_600

# Episodes and storylines are the short-term tier; facts are long-term.
EPISODIC_CATEGORIES = frozenset({EPISODE_CATEGORY, STORYLINE_CATEGORY})


@dataclass(frozen=True, slots=True)
class Decay:
    semantic_half_life_days: float = 180.0
    episodic_half_life_days: float = 30.0

    def half_life_days(self, category: str | None) -> float:
        if category in EPISODIC_CATEGORIES:
            return self.episodic_half_life_days
        return self.semantic_half_life_days

    def effective_importance(self, record: MemoryRecord, now: datetime) -> float:
        return effective_importance(
            record.importance,
            age_days=_age_days(record, now),
            half_life_days=self.half_life_days(record.category),
            reinforcements=record.reinforcements,
        )

    def weight(self, record: MemoryRecord, now: datetime) -> float:
        """The factor ranking multiplies relevance by: 0.5 to 1.0."""
        return 0.5 + 0.05 * self.effective_importance(record, now)


def effective_importance(
    importance: float, *, age_days: float, half_life_days: float, reinforcements: int = 0
) -> float:
    stretched = half_life_days * (1.0 + math.log1p(max(0, reinforcements)))
    return float(importance * 2.0 ** (-max(0.0, age_days) / stretched))


def _age_days(record: MemoryRecord, now: datetime) -> float:
    since = record.reinforced_at or record.created_at
    return (now - since).total_seconds() / SECONDS_PER_DAY
