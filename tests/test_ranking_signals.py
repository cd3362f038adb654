"""Ranking signals beyond relevance, each switchable: decayed importance, and
validity by the time a question asks about (retrieval/validity.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.retrieval.names import question_names, subject
from persona_memory.retrieval.validity import question_time

CHANGED = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Where does Alice live?", "now"),
        ("Where did Alice go on holiday?", "now"),  # past tense is not a change
        ("How old is Alice?", "now"),
        ("Where did Alice live before?", "before"),
        ("What was her old job?", "before"),
        ("Which car did Alice use to drive?", "before"),
        ("Who was Alice's previous doctor?", "before"),
        ("Does Alice no longer eat meat?", "before"),
        ("Where does Alice live now, and where did she live before?", "either"),
    ],
)
def test_the_time_a_question_asks_about(question: str, asked: str) -> None:
    assert question_time(question) == asked


def reopened(settings: Settings, **changes: object) -> Memory:
    return Memory(settings=settings.model_copy(update=changes))


def texts(memory: Memory, question: str, **filters: object) -> list[str]:
    found = memory.search(question, persona_id="brad", user_id="alice", filters=filters)
    return [hit.text for hit in found.results]


@pytest.fixture
def moved(memory: Memory) -> Iterator[Memory]:
    """Alice lived in Paris until June 2025, then in Berlin; the old fact's words
    are the question's, so relevance alone ranks it first."""
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.add(
        "Alice lives in a flat in Paris", persona_id="brad", user_id="alice", valid_to=CHANGED
    )
    memory.add("Alice moved to Berlin", persona_id="brad", user_id="alice", valid_from=CHANGED)
    memory.add("Alice likes jazz", persona_id="brad", user_id="alice")
    yield memory


def test_a_question_about_before_finds_the_superseded_fact_first(moved: Memory) -> None:
    assert texts(moved, "Where did Alice stay before she moved?")[0] == (
        "Alice lives in a flat in Paris"
    )


def test_a_question_about_now_leaves_it_out_or_ranks_it_last(moved: Memory) -> None:
    assert "Alice lives in a flat in Paris" not in texts(moved, "Where does Alice live?")
    both = texts(moved, "Where does Alice live now?", include_expired=True)
    assert both.index("Alice moved to Berlin") < both.index("Alice lives in a flat in Paris")


def test_without_validity_ranking_search_is_as_before(moved: Memory, settings: Settings) -> None:
    with reopened(settings, rank_by_validity=False) as plain:
        assert "Alice lives in a flat in Paris" not in texts(plain, "Where did Alice live before?")
        both = texts(plain, "Where does Alice live now?", include_expired=True)
        assert both[0] == "Alice lives in a flat in Paris"  # relevance alone


def test_importance_lifts_a_slightly_weaker_match(memory: Memory, settings: Settings) -> None:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.add(
        "Alice bought peanuts, Alice loves peanuts",
        persona_id="brad",
        user_id="alice",
        importance=2,
    )
    memory.add(
        "Alice is allergic to peanuts and carries an adrenaline pen",
        persona_id="brad",
        user_id="alice",
        importance=9,
    )
    assert (
        texts(memory, "Alice peanuts")[0]
        == "Alice is allergic to peanuts and carries an adrenaline pen"
    )
    with reopened(settings, rank_by_importance=False) as plain:
        assert texts(plain, "Alice peanuts")[0] == "Alice bought peanuts, Alice loves peanuts"


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("What did Melanie paint in June?", {"melanie", "june"}),
        ("What is Caroline's identity?", {"caroline"}),
        ("Where do they live? Did Jon move? I think so.", {"jon"}),
        ("What does she like about her iPhone?", set()),
    ],
)
def test_the_names_a_question_names(question: str, names: set[str]) -> None:
    assert question_names(question) == names


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Melanie: I signed up for a pottery class.", "melanie"),
        ("Melanie's kids love dinosaurs", "melanie"),
        ('"Jon-Paul" moved to Paris', "jon-paul"),
        ("Thanks, Melanie!", "thanks"),
        ("...", ""),
    ],
)
def test_a_memory_s_subject_is_its_first_word(text: str, first: str) -> None:
    assert subject(text) == first


def test_with_the_subject_boost_a_memory_by_or_about_whom_the_question_names_comes_first(
    memory: Memory, settings: Settings
) -> None:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    # The second matches the question's words better and names Jon, but is not
    # about him; the first is.
    memory.add("Jon: I went to the pottery class", persona_id="brad", user_id="alice")
    memory.add(
        "Maria: Jon, the pottery class we went to: what did we make at the pottery class?",
        persona_id="brad",
        user_id="alice",
    )
    question = "What did Jon make at the pottery class?"
    assert texts(memory, question)[0] == "Jon: I went to the pottery class"  # on by default
    with reopened(settings, subject_boost=1.0) as plain:
        assert texts(plain, question)[0].startswith("Maria:")
