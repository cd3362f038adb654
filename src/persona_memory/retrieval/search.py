"""Hybrid search: BM25 and dense top-k inside the reader's scopes, fused, then
weighted by each memory's effective importance (core/decay.py), for a
memory whose validity has ended by the time the question asks about
(retrieval/validity.py), and by whether it is by or about whom the question
names (retrieval/names.py). Each signal can be switched off. A third ranking,
full text over words of the reader's own memories that are near the question's
(retrieval/expansion.py), joins the fusion when it is on."""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

from persona_memory.core.base import FROM_STORE, utcnow
from persona_memory.core.decay import Decay
from persona_memory.core.memories import (
    MemoryQuery,
    MemoryRecord,
    RankerMatch,
    SearchExplanation,
    SearchHit,
    SearchMode,
)
from persona_memory.core.ports import Embedder, Hit, Reranker, Store, Transaction, Vectors
from persona_memory.retrieval.background import Background, above_background
from persona_memory.retrieval.expansion import (
    EXPANSION_SIMILARITY,
    EXPANSION_WEIGHT,
    POOL,
    WordVectors,
    expansion_terms,
)
from persona_memory.retrieval.fusion import (
    FUSION,
    NORMALISE_AT,
    RRF_K,
    VECTOR_WEIGHT,
    FusionMethod,
    linear_fusion,
    reciprocal_rank_fusion,
)
from persona_memory.retrieval.names import SUBJECT_BOOST, about_named, question_names
from persona_memory.retrieval.relevance import Coverage, relevance
from persona_memory.retrieval.rerank import RERANK_DEPTH, reranked
from persona_memory.retrieval.terms import query_terms
from persona_memory.retrieval.validity import (
    QuestionTime,
    including_the_past,
    question_time,
    validity_weight,
)

# A search's time grows with these. Each ranking reads twice the limit (at least
# the default depth and the rank linear fusion rescales at), and the best 1.5
# times the limit fused (at least 20) are read as records, so that the signals
# can lift a candidate a few places. A limit of 10 reads 80 and 20 either way;
# at 50, 3 and 2 times cost a prompt build 20% more time for the same prompt
# recall on LoCoMo, where plain search's top 50 moved in 1% of questions and
# its recall within 1,000 tokens did not (docs/prompt.md).
DEPTH_PER_HIT = 2
KEEP_PER_HIT = 1.5
MIN_KEEP = 20


@dataclass(frozen=True, slots=True)
class Asked:
    """What the signals read from the question, once per search."""

    time: QuestionTime
    names: frozenset[str]
    now: datetime


@dataclass(frozen=True, slots=True)
class RankingSignals:
    """What multiplies a candidate's fused relevance, beyond matching the query."""

    importance: bool = True  # decayed importance, 0.5-1.0 (core/decay.py)
    validity: bool = True  # ended memories by the question's time (retrieval/validity.py)
    subject_boost: float = SUBJECT_BOOST  # its text starts with a name asked about; 1: off


@dataclass(frozen=True, slots=True)
class Expansion:
    """The third ranking: full text over the reader's words near the question's."""

    weight: float = EXPANSION_WEIGHT  # against full text's 1; 0: off
    similarity: float = EXPANSION_SIMILARITY  # the cosine a word needs to be added


class HybridSearcher:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        depth: int = 50,
        rrf_k: int = RRF_K,
        vector_weight: float = VECTOR_WEIGHT,
        fusion: FusionMethod = FUSION,
        normalise_at: int = NORMALISE_AT,
        decay: Decay | None = None,
        signals: RankingSignals = RankingSignals(),
        expansion: Expansion = Expansion(),
        reranker: Reranker | None = None,
        rerank_depth: int = RERANK_DEPTH,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._decay = decay or Decay()
        self.signals = signals
        # Each ranker contributes this many candidates before fusion.
        self._depth = depth
        self._rrf_k = rrf_k
        self._fusion = fusion
        self._normalise_at = normalise_at
        self._weights = (1.0, vector_weight, expansion.weight)
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="vector-search")
        self._background = Background(embedder)
        self.expansion = expansion
        self._words = WordVectors(embedder)
        self.reranker = reranker
        self._rerank_depth = rerank_depth

    def for_question(self, question: str, query: MemoryQuery) -> MemoryQuery:
        """The query a question should run: with validity ranking, one that asks
        about before also reads the memories whose validity has ended."""
        return including_the_past(query, question) if self.signals.validity else query

    def search(
        self,
        text: str,
        query: MemoryQuery,
        *,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        min_relevance: float = 0.0,
        explain: bool = False,
    ) -> list[SearchHit]:
        # Embed before the snapshot opens: the model is the slow part.
        vector = self.embed_query(text) if mode != "text" else None
        return self.search_embedded(
            text,
            vector,
            query,
            limit=limit,
            mode=mode,
            min_relevance=min_relevance,
            explain=explain,
        )

    def embed_query(self, text: str) -> Vectors:
        """The question's vector, for :meth:`search_embedded` (the model is the slow
        part of a search: one caller that searches twice embeds once)."""
        vector: Vectors = self._embedder.embed([text])[0]  # one row: (dimension,)
        return vector

    def search_embedded(
        self,
        text: str,
        vector: Vectors | None,
        query: MemoryQuery,
        *,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        min_relevance: float = 0.0,
        explain: bool = False,
    ) -> list[SearchHit]:
        """The same search with the query's vector already computed (None: text only).
        Hits whose relevance is below ``min_relevance`` are left out."""
        depth = max(self._depth, int(DEPTH_PER_HIT * limit))
        if self._fusion == "linear":  # each ranking must reach the rank it is rescaled at
            depth = max(depth, self._normalise_at)
        # The two rankers run at once, each in its own snapshot: full text waits
        # in the database, vectors in numpy, both without the GIL. On a large
        # scope that is the slower of the two instead of their sum.
        vector_ranking: Future[list[Hit]] | None = None
        if vector is not None and mode != "text":
            vector_ranking = self._pool.submit(self._vector_ranking, vector, query, depth)
        terms = query_terms(text)
        with self._store.read() as tx:
            text_hits = tx.text_search(terms, query, depth) if mode != "vector" else []
            dense = vector_ranking.result() if vector_ranking is not None else []
            level = self._background.level(vector) if vector is not None else None
            ranks = Ranks(text_hits, dense, level)
            # The signals can lift a candidate a few places, not from the bottom of the list.
            keep = max(int(KEEP_PER_HIT * limit), MIN_KEEP)
            expanding = mode == "hybrid" and self.expansion.weight > 0 and bool(terms)
            fused, records = self._candidates(
                tx, ranks, terms, query, depth, keep, expanding=expanding
            )
        # Names are read from the question only when the boost is on.
        names = question_names(text) if self.signals.subject_boost != 1.0 else frozenset()
        asked = Asked(question_time(text), names, utcnow())
        scored = self._order([(i, score) for i, score in fused if i in records], records, asked)
        if mode == "hybrid" and self.reranker is not None:
            scored = self._rerank(text, scored, records)
        # Relevance is read best first and only until ``limit`` hits pass: it is the
        # costly part of a hit, and the order does not depend on it.
        coverage = Coverage(terms)
        kept: list[SearchHit] = []
        for candidate in scored:
            hit = ranks.hit(records[candidate.memory_id], candidate, coverage, explain)
            if hit.relevance >= min_relevance:
                kept.append(hit)
                if len(kept) == limit:
                    break
        return kept

    def _candidates(
        self,
        tx: Transaction,
        ranks: Ranks,
        terms: list[str],
        query: MemoryQuery,
        depth: int,
        keep: int,
        *,
        expanding: bool,
    ) -> tuple[list[tuple[str, float]], dict[str, MemoryRecord]]:
        """The ``keep`` best fused candidates and their records. Expanding, the
        words of each ranking's best make a third ranking first (expansion.py)."""
        fused = self._fuse(ranks)[:keep]
        pool = [*ranks.text_ids[:POOL], *ranks.vector_ids[:POOL]] if expanding else []
        wanted = dict.fromkeys([*(i for i, _ in fused), *pool])
        records = {m.id: m for m in tx.get_memories(list(wanted))}
        if not expanding:
            return fused, records
        texts = (records[i].text for i in dict.fromkeys(pool) if i in records)
        added = expansion_terms(terms, texts, self._words, similarity=self.expansion.similarity)
        if not added:
            return fused, records
        ranks.expand(tx.text_search(added, query, depth))
        fused = self._fuse(ranks)[:keep]
        records |= {m.id: m for m in tx.get_memories([i for i, _ in fused if i not in records])}
        return fused, records

    def _order(
        self, fused: list[tuple[str, float]], records: dict[str, MemoryRecord], asked: Asked
    ) -> list[Scored]:
        """The candidates best first, each with its score.

        Under RRF every signal multiplies the fused score, which is built from
        places: a factor of 0.5-2 moves a memory a few places. Linear fusion keeps
        score gaps that no such factor crosses, so there the match (fused score
        times the subject boost, which is about the match) sets each memory's
        place first, and its standing (importance, validity) multiplies
        1 / (RRF_K + place): a few places again, as under RRF."""
        factors = {i: self._factors(records[i], asked) for i, _ in fused}
        if self._fusion == "rrf":
            scored = [
                Scored(i, score, subject * standing)
                for i, score in fused
                for subject, standing in [factors[i]]
            ]
            return sorted(scored, key=lambda s: -s.score)
        matched = sorted(fused, key=lambda pair: -pair[1] * factors[pair[0]][0])
        placed = [
            Scored(i, score, subject * standing, standing / (RRF_K + place))
            for place, (i, score) in enumerate(matched, 1)
            for subject, standing in [factors[i]]
        ]
        return sorted(placed, key=lambda s: -s.score)

    def _rerank(
        self, text: str, scored: list[Scored], records: dict[str, MemoryRecord]
    ) -> list[Scored]:
        """The best ``rerank_depth`` reordered by the reranker (retrieval/rerank.py)."""
        assert self.reranker is not None
        top = scored[: self._rerank_depth]
        judged = self.reranker.score(text, [records[s.memory_id].text for s in top])
        order = reranked([s.score for s in top], judged)
        placed = [replace(top[i], placed=score, judged=judged[i]) for i, score in order]
        return placed + scored[len(top) :]

    def _factors(self, record: MemoryRecord, asked: Asked) -> tuple[float, float]:
        """The subject boost (about the match) and the standing (about the memory)."""
        subject = self.signals.subject_boost if about_named(asked.names, record.text) else 1.0
        return subject, self._standing(record, asked)

    def _standing(self, record: MemoryRecord, asked: Asked) -> float:
        """The factor the memory itself earns: decayed importance, and validity for
        the time the question asks about."""
        weight = self._decay.weight(record, asked.now) if self.signals.importance else 1.0
        if self.signals.validity:
            weight *= validity_weight(record, asked.time, asked.now)
        return weight

    def _fuse(self, ranks: Ranks) -> list[tuple[str, float]]:
        if self._fusion == "rrf":
            rankings = [ranks.text_ids, ranks.vector_ids, ranks.expanded_ids]
            return reciprocal_rank_fusion(rankings, weights=self._weights, k=self._rrf_k)
        # A memory that does not match at all: no full-text score, and the dense
        # similarity of an unrelated statement (background.py).
        floors = [0.0, ranks.level if ranks.level is not None else 0.0, 0.0]
        scored = [ranks.text_scored, ranks.vector_scored, ranks.expanded_scored]
        return linear_fusion(scored, weights=self._weights, at=self._normalise_at, floors=floors)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        close_reranker = getattr(self.reranker, "close", None)
        if close_reranker is not None:
            close_reranker()  # its worker thread

    def _vector_ranking(self, vector: Vectors, query: MemoryQuery, depth: int) -> list[Hit]:
        with self._store.read() as tx:
            return tx.vector_search(vector, self._embedder.model_name, query, depth)


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate's fused score, what the ranking signals multiply it by, and the
    score that orders the results (the product, unless given: linear fusion)."""

    memory_id: str
    fused: float
    weight: float
    placed: float | None = None
    judged: float | None = None  # the reranker's score, when it reordered this one

    @property
    def score(self) -> float:
        return self.fused * self.weight if self.placed is None else self.placed


class Ranks:
    """Each ranker's candidates, by id: their rank and the ranker's score."""

    def __init__(self, text: list[Hit], vector: list[Hit], level: float | None) -> None:
        self.level = level  # the query's background similarity (background.py)
        self.text_scored = [(hit.memory_id, _finite(hit.score)) for hit in text]
        self.vector_scored = [(hit.memory_id, _finite(hit.score)) for hit in vector]
        self.text_ids = [memory_id for memory_id, _ in self.text_scored]
        self.vector_ids = [memory_id for memory_id, _ in self.vector_scored]
        # Plain pairs: a model for each of a hundred candidates per search cost more
        # than the search, and only an explanation shows them.
        self._text = _places(self.text_scored)
        self._vector = _places(self.vector_scored)
        self.expanded_scored: list[tuple[str, float]] = []
        self.expanded_ids: list[str] = []
        self._expanded: dict[str, tuple[int, float]] = {}

    def expand(self, hits: list[Hit]) -> None:
        """Add the expansion's full-text ranking (expansion.py)."""
        self.expanded_scored = [(hit.memory_id, _finite(hit.score)) for hit in hits]
        self.expanded_ids = [memory_id for memory_id, _ in self.expanded_scored]
        self._expanded = _places(self.expanded_scored)

    def hit(
        self, record: MemoryRecord, scored: Scored, coverage: Coverage, explain: bool
    ) -> SearchHit:
        text, vector = self._text.get(record.id), self._vector.get(record.id)
        similarity = vector[1] if vector is not None else None
        dense = None
        if similarity is not None and self.level is not None:
            dense = above_background(similarity, self.level)
        share = coverage.share(record.text, record.context or "")  # context counts at half
        explanation = None
        if explain:
            explanation = SearchExplanation(
                text=_match(text),
                vector=_match(vector),
                expansion=_match(self._expanded.get(record.id)),
                fused=scored.fused,
                weight=scored.weight,
                similarity=similarity,
                background=self.level,
                term_coverage=share,
                rerank=scored.judged,
            )
        # The record was checked as it was read: validate without walking its
        # strings again (faster than model_construct, which is pure Python).
        values = record.__dict__ | {
            "score": scored.score,
            "relevance": relevance(dense, share),
            "text_rank": text[0] if text is not None else None,
            "vector_rank": vector[0] if vector is not None else None,
            "explanation": explanation,
        }
        return SearchHit.model_validate(values, context=FROM_STORE)


def _places(scored: list[tuple[str, float]]) -> dict[str, tuple[int, float]]:
    """Each id's rank (from 1) and score."""
    return {memory_id: (n, score) for n, (memory_id, score) in enumerate(scored, 1)}


def _finite(score: float) -> float:
    # pgvector's cosine distance to a zero vector (a blank query under the hashing
    # embedder) is NaN: no similarity at all, which reads as 0.
    return score if math.isfinite(score) else 0.0


def _match(ranked: tuple[int, float] | None) -> RankerMatch | None:
    return None if ranked is None else RankerMatch(rank=ranked[0], score=ranked[1])
