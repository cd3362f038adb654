"""Linear fusion through the searcher (retrieval/fusion.py has the arithmetic):
each ranking is read down to the rank it is rescaled at, whatever the limit."""

from __future__ import annotations

import pytest

from persona_memory import Memory, MemoryCreate, PersonaCreate, Settings


def filled(settings: Settings, **changes: object) -> Memory:
    """A relationship where 120 memories say "apple", each a different number of
    times (so that full text scores each differently), among 300 that do not."""
    memory = Memory(settings=settings.model_copy(update=changes))
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    texts = [" ".join(["apple"] * (1 + n) + [f"word{n}"]) for n in range(120)]
    texts += [f"pear number {n}" for n in range(300)]
    memory.memories.add_many(
        [MemoryCreate(text=text, persona_id="brad", user_id="alice") for text in texts]
    )
    return memory


@pytest.mark.parametrize("at", [20, 80])
def test_the_second_hit_is_rescaled_between_the_best_and_the_chosen_rank(
    settings: Settings, at: int
) -> None:
    with filled(settings, fusion="linear", normalise_at=at) as memory:
        ranked = memory.search(
            "apple", persona_id="brad", user_id="alice", mode="text", limit=120, explain=True
        ).results
        scores = [h.explanation.text.score for h in ranked if h.explanation and h.explanation.text]
        assert len(scores) == 120
        # A search of 5 reads at least `at` candidates: its floor is the at-th score.
        top = memory.search(
            "apple", persona_id="brad", user_id="alice", mode="text", limit=5, explain=True
        ).results
        second = top[1].explanation
        assert second is not None
        best, floor = scores[0], scores[at - 1]
        assert len(set(scores)) == 120, "every rank a different score"
        assert second.fused == pytest.approx((scores[1] - floor) / (best - floor))


def test_the_rank_must_be_at_least_two(settings: Settings) -> None:
    with pytest.raises(ValueError, match="normalise_at"):
        Settings(database_url=settings.database_url, normalise_at=1)
