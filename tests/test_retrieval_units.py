"""Pure pieces of retrieval: query terms, rank fusion and relevance (dense top-k is
ScopeVectors.top_k, tested in tests/storage/test_vector_cache.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_memory.retrieval.background import above_background
from persona_memory.retrieval.fusion import RRF_K, reciprocal_rank_fusion
from persona_memory.retrieval.relevance import COMMON, relevance, term_coverage
from persona_memory.retrieval.terms import query_terms


def test_query_terms_drop_function_words_and_dedupe() -> None:
    assert query_terms("What did Caroline research? What, Caroline?") == ["caroline", "research"]
    assert query_terms("When is Melanie's camping trip") == ["melanie", "camping", "trip"]
    assert query_terms("the of and") == []
    assert query_terms('"OR" NOT* (x) NEAR') == ["x", "near"]
    assert query_terms('peanut* "butter"') == ["peanut", "butter"]


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert [item for item, _ in fused] == ["b", "a", "c"]
    assert fused[0][1] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))


def test_rrf_single_list_keeps_order_and_handles_empty() -> None:
    assert [i for i, _ in reciprocal_rank_fusion([["x", "y"], []])] == ["x", "y"]
    assert reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["x"]], weights=[1.0, 2.0])


@given(st.lists(st.lists(st.sampled_from("abcdefgh"), unique=True), min_size=1, max_size=4))
def test_rrf_scores_are_sums_of_reciprocal_ranks(rankings: list[list[str]]) -> None:
    fused = dict(reciprocal_rank_fusion(rankings))
    for item, score in fused.items():
        expected = sum(1 / (RRF_K + r.index(item) + 1) for r in rankings if item in r)
        assert score == pytest.approx(expected)
    scores = [score for _, score in reciprocal_rank_fusion(rankings)]
    assert scores == sorted(scores, reverse=True)


# --- relevance ------------------------------------------------------------------------------


def test_term_coverage_finds_word_forms_and_ignores_common_words() -> None:
    assert term_coverage(["allergic"], "Alice has allergies.") == 1.0
    assert term_coverage(["peanut", "thursday"], "She eats peanuts on Thursdays") == 1.0
    assert term_coverage(["car"], "She lost her card") == 0.0  # short words match whole
    assert term_coverage(["food", "like"], "I like rainy days") == 0.0  # "like" says little
    assert term_coverage(["like"], "I like rainy days") == 1.0  # unless it is all there is
    assert term_coverage([], "anything") == 0.0


def _coverage_by_word_sets(terms: list[str], text: str) -> float:
    """The definition, spelled out: the text's words as a set, then each term looked up."""
    terms = [term for term in terms if term not in COMMON] or terms
    if not terms:
        return 0.0
    words = {word.lower() for word in re.findall(r"[^\W_]+", text)}
    stems = {word[:6] for word in words if len(word) >= 6}

    def holds(term: str) -> bool:
        forms = {term, f"{term}s", f"{term}es"}
        return bool(forms & words) or (len(term) >= 6 and term[:6] in stems)

    return sum(holds(term) for term in terms) / len(terms)


WORDISH = st.text(alphabet="abcdeéls_ 1.-", max_size=12)


@given(
    st.lists(st.sampled_from(["like", "peanut", "car", "cards", "alles", "éclair", "a1", "s"])),
    st.lists(st.one_of(WORDISH, st.sampled_from(["peanuts", "Cards", "ALLERGIES", "car_s"]))),
)
def test_term_coverage_is_the_share_of_terms_among_the_text_s_words(
    terms: list[str], pieces: list[str]
) -> None:
    text = " ".join(pieces)
    assert term_coverage(terms, text) == pytest.approx(_coverage_by_word_sets(terms, text))


def test_relevance_is_the_better_of_its_two_readings_within_0_and_1() -> None:
    assert relevance(None, 0.5) == 0.5
    assert relevance(0.8, 0.5) == 0.8
    assert relevance(-0.3, 0.0) == 0.0
    assert above_background(0.762, 0.777) == 0.0  # below what unrelated statements reach
    assert above_background(0.888, 0.777) == pytest.approx(0.5, abs=0.01)
    assert above_background(1.0, 0.777) == 1.0
