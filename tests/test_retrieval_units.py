"""Pure pieces of retrieval: query terms, rank fusion and relevance (dense top-k is
ScopeVectors.top_k, tested in tests/storage/test_vector_cache.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_memory.retrieval.background import above_background
from persona_memory.retrieval.fusion import RRF_K, linear_fusion, reciprocal_rank_fusion
from persona_memory.retrieval.relevance import (
    COMMON,
    CONTEXT_SHARE,
    Coverage,
    relevance,
    term_coverage,
)
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


def test_linear_fusion_keeps_how_far_apart_a_ranker_puts_two_memories() -> None:
    # Full text puts a far ahead of b; dense barely prefers b. Ranks alone tie them.
    text = [("a", 10.0), ("b", 2.0), ("c", 1.0)]
    dense = [("b", 0.81), ("a", 0.80), ("c", 0.30)]
    assert [i for i, _ in reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "c"]])][:2] == [
        "a",
        "b",
    ]  # a tie, kept in first-seen order
    fused = dict(linear_fusion([text, dense]))
    assert fused["a"] == pytest.approx(1.0 + (0.80 - 0.30) / (0.81 - 0.30))
    assert fused["b"] == pytest.approx((2.0 - 1.0) / (10.0 - 1.0) + 1.0)
    assert fused["c"] == 0.0  # the floor of both
    assert fused["a"] > fused["b"]


def test_linear_fusion_rescales_against_a_fixed_depth() -> None:
    ranking = [(f"m{n}", 100.0 - n) for n in range(60)]
    fused = dict(linear_fusion([ranking], at=50))
    assert fused["m0"] == 1.0 and fused["m49"] == 0.0 and fused["m55"] == 0.0
    # Asking for fewer results does not move the scores of those returned.
    assert dict(linear_fusion([ranking[:55]], at=50))["m10"] == fused["m10"]
    assert dict(linear_fusion([[("x", 3.0), ("y", 3.0)]])) == {"x": 1.0, "y": 1.0}
    assert linear_fusion([[], []]) == []
    with pytest.raises(ValueError):
        linear_fusion([[("x", 1.0)]], weights=[1.0, 2.0])


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from("abcdefgh"), st.floats(-50, 50, allow_nan=False), min_size=1
        ),
        min_size=1,
        max_size=3,
    ),
    st.integers(1, 10),
)
def test_linear_fusion_scores_are_weighted_shares_between_best_and_floor(
    scores: list[dict[str, float]], at: int
) -> None:
    rankings = [sorted(s.items(), key=lambda pair: -pair[1]) for s in scores]
    weights = [1.0 + n / 2 for n in range(len(rankings))]
    fused = linear_fusion(rankings, weights, at=at)
    for item, score in fused:
        expected = 0.0
        for ranking, weight in zip(rankings, weights, strict=True):
            values = [value for _, value in ranking]
            top, floor = values[0], values[min(at, len(values)) - 1]
            if item in dict(ranking):
                value = dict(ranking)[item]
                share = 1.0 if top == floor else min(1.0, max(0.0, (value - floor) / (top - floor)))
                expected += weight * share
        assert score == pytest.approx(expected)
        assert 0.0 <= score <= sum(weights) + 1e-9
    assert [s for _, s in fused] == sorted((s for _, s in fused), reverse=True)
    assert {i for i, _ in fused} == {i for s in scores for i in s}


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
    st.lists(
        st.one_of(
            WORDISH, st.sampled_from(["peanuts", "Cards", "ALLERGIES", "car_s", "cares", "a1es"])
        )
    ),
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


@given(
    st.lists(st.sampled_from(["like", "peanut", "car", "cards", "alles", "éclair", "a1", "s"])),
    st.lists(WORDISH),
    st.lists(st.one_of(WORDISH, st.sampled_from(["peanuts", "Cards", "car", "a1es"]))),
)
def test_the_turns_around_a_memory_count_for_half_their_words(
    terms: list[str], pieces: list[str], around: list[str]
) -> None:
    text, context = " ".join(pieces), " ".join(around)
    both = _coverage_by_word_sets(terms, f"{text}\n{context}")
    expected = max(_coverage_by_word_sets(terms, text), CONTEXT_SHARE * both)
    assert Coverage(terms).share(text, context) == pytest.approx(expected)
