"""Query expansion (retrieval/expansion.py): words of the reader's own best
candidates that the embedder puts near the question's join the search."""

from __future__ import annotations

import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.providers.embedders.static import StaticEmbedder
from persona_memory.retrieval.expansion import WordVectors, expansion_terms
from persona_memory.retrieval.terms import content_words

STATIC = StaticEmbedder()

SPAIN = "Maria: Last year I took a solo trip and took this pic in Spain."
OTHERS = [
    "Maria: I have been baking bread all week.",
    "Maria: The countries in the news scare me a bit.",
    "Maria: I have been volunteering at the shelter.",
    "Maria: My cousin has been to the beach twice.",
    "John: I have been to the gym every morning.",
]
QUESTION = "Which European countries has Maria been to?"


def test_the_words_near_the_question_s_are_added_and_the_rest_are_not() -> None:
    added = expansion_terms(
        ["european", "countries", "maria"], [SPAIN, *OTHERS], WordVectors(STATIC)
    )
    assert "spain" in added
    assert not {"bread", "shelter", "gym", "baking"} & set(added)
    assert not {"european", "countries", "maria"} & set(added)  # never the question's own


def test_the_expansion_is_deterministic_and_reads_no_numbers() -> None:
    texts = [SPAIN, *OTHERS, "Maria: 2022 was the year of Spain and France"]
    first = expansion_terms(["european", "2022"], texts, WordVectors(STATIC))
    assert first == expansion_terms(["european", "2022"], texts, WordVectors(STATIC))
    assert "2022" not in first and "france" in first


def test_the_similarity_floor_decides() -> None:
    words = WordVectors(STATIC)
    assert expansion_terms(["european"], [SPAIN], words, similarity=0.99) == []
    assert expansion_terms(["european"], [SPAIN], words, similarity=0.0)


def test_content_words_are_the_query_terms_of_many_texts() -> None:
    assert content_words(["Maria's trip to Spain", "I was in Spain in 2022"]) == {
        "maria",
        "trip",
        "spain",
    }


def ranked(memory: Memory) -> list[str]:
    found = memory.search(QUESTION, persona_id="brad", user_id="alice", explain=True)
    return [hit.text for hit in found.results]


@pytest.fixture
def travels(settings: Settings) -> Settings:
    static = settings.model_copy(update={"embedder": "static"})
    with Memory(settings=static) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        for text in [SPAIN, *OTHERS]:
            memory.add(text, persona_id="brad", user_id="alice")
    return static


def test_an_expanded_search_finds_what_the_question_s_words_miss(travels: Settings) -> None:
    with Memory(settings=travels.model_copy(update={"expansion_weight": 1.0})) as memory:
        found = memory.search(QUESTION, persona_id="brad", user_id="alice", explain=True)
        spain = next(hit for hit in found.results if hit.text == SPAIN)
        assert spain.explanation is not None and spain.explanation.expansion is not None
        expanded = [hit.text for hit in found.results]
    with Memory(settings=travels) as memory:  # off by default
        found = memory.search(QUESTION, persona_id="brad", user_id="alice", explain=True)
        assert all(h.explanation and h.explanation.expansion is None for h in found.results)
        plain = [hit.text for hit in found.results]
    assert expanded.index(SPAIN) < plain.index(SPAIN)
