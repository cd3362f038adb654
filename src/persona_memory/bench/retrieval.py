"""LoCoMo retrieval benchmark: turn-level evidence recall, context recall, latency.

Each conversation becomes one relationship (persona ``locomo``, user = the
sample id); each turn one memory. Every question is asked three ways in the
same run — hybrid, BM25 only, dense only — so the figures compare as ratios
on one machine.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, get_args

import numpy as np

from persona_memory.bench.locomo import (
    DEFAULT_CONTEXT_TURNS,
    Conversation,
    load_locomo,
    turn_context,
)
from persona_memory.config import Settings
from persona_memory.core.memories import MemoryCreate, SearchHit, SearchMode, SearchRequest
from persona_memory.core.personas import PersonaCreate
from persona_memory.core.ports import Embedder, Vectors
from persona_memory.memory import Memory
from persona_memory.retrieval.fusion import NORMALISE_AT, FusionMethod

PERSONA = "locomo"
RECALL_AT = (5, 10, 20)
TOKEN_BUDGETS = (500, 1000, 2000)
DEFAULT_LIMIT: int = SearchRequest.model_fields["limit"].default
DEPTH = 50  # results fetched per question; enough to fill a 2,000-token context
INGEST_BATCH = 128
# The knobs tuned by leave-one-conversation-out: full-text weight of a memory's
# context, and the dense ranking's weight in fusion.
CONTEXT_TURNS = (1, 2, 3)
CONTEXT_WEIGHTS = (0.3, 0.5, 0.7, 1.0)
VECTOR_WEIGHTS = (0.4, 0.5, 0.7, 1.0)
# Then, each with the others at their defaults: the factor for memories by or
# about whom the question names (1: off), and the fusion with each dense weight.
SUBJECT_BOOSTS = (1.0, 1.5, 2.0, 2.5, 3.0)
FUSIONS: tuple[FusionMethod, ...] = ("rrf", "linear")
# The fusion grid: each fusion with each dense weight; linear fusion also with
# the rank its rankings are rescaled at (retrieval/fusion.py), which RRF ignores.
FUSION_WEIGHTS = (0.4, 0.5, 0.7, 1.0)
NORMALISE_ATS = (50, 80, 100)
FUSION_GRID: tuple[tuple[FusionMethod, float, int], ...] = (
    *(("rrf", w, NORMALISE_AT) for w in FUSION_WEIGHTS),
    *(("linear", w, at) for w in FUSION_WEIGHTS for at in NORMALISE_ATS),
)
# Query expansion: off, or a weight with a similarity floor (retrieval/expansion.py),
# each under either fusion (the two interact: linear fusion keeps score gaps that
# a third ranking can close).
EXPANSIONS: tuple[tuple[float, float], ...] = (
    (0.0, 0.5),
    *itertools.product((0.3, 0.5, 0.7), (0.5, 0.55, 0.6)),
)
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


@dataclass
class ModeResult:
    mode: str
    questions: int = 0
    recall_at: dict[int, float] = field(default_factory=dict)
    context_recall: dict[int, float] = field(default_factory=dict)
    by_category: dict[int, float] = field(default_factory=dict)  # R@10
    latency_ms_p50: float = 0.0
    latency_ms_p95: float = 0.0


@dataclass
class Ablation:
    step: str
    context_turns: int
    context_weight: float
    vector_weight: float
    result: ModeResult


@dataclass
class LeaveOneOut:
    """Each conversation scored with the knobs that did best on the other four."""

    result: ModeResult
    chosen: dict[str, list[float | str]]  # held-out conversation -> its knobs


@dataclass
class BenchReport:
    conversations: int
    memories: int
    ingest_seconds: float
    ingest_per_second: float
    embedding_model: str
    machine: dict[str, str]
    modes: list[ModeResult]
    context_weight: float = 0.0
    vector_weight: float = 0.0
    ablation: list[Ablation] = field(default_factory=list)
    leave_one_out: LeaveOneOut | None = None
    fusion: str = ""
    subject_boost: float = 1.0
    # Tried on top of the defaults: each subject boost, and one chosen per fold.
    subject_boosts: list[ModeResult] = field(default_factory=list)
    subjects_leave_one_out: LeaveOneOut | None = None
    # The same for the fusion and its dense weight.
    fusions: list[ModeResult] = field(default_factory=list)
    fusions_leave_one_out: LeaveOneOut | None = None
    # The same for query expansion, and a default search's latency with it on.
    expansions: list[ModeResult] = field(default_factory=list)
    expansions_leave_one_out: LeaveOneOut | None = None
    expanded_search_ms_p50: float = 0.0
    expanded_search_ms_p95: float = 0.0
    query_embedding_ms_p50: float = 0.0
    query_embedding_ms_p95: float = 0.0
    default_search_ms_p50: float = 0.0
    default_search_ms_p95: float = 0.0
    # With a reranker configured (PERSONA_MEMORY_RERANKER), the defaults plus it.
    reranker: str | None = None
    reranked: ModeResult | None = None
    reranked_search_ms_p50: float = 0.0
    reranked_search_ms_p95: float = 0.0


@dataclass(frozen=True)
class Scored:
    """One question's figures under one configuration."""

    conversation: str
    category: int
    recall_at: dict[int, float]
    context_recall: dict[int, float]
    ms: float


def tokens(text: str) -> int:
    """The benchmark's token estimate: characters / 4."""
    return max(1, len(text) // 4)


def evidence_recall(ranked: list[str], evidence: frozenset[str]) -> float:
    return len(evidence.intersection(ranked)) / len(evidence)


def context_ids(hits: list[SearchHit], budget: int) -> list[str]:
    """The dia_ids of the best-first hits that fit in ``budget`` tokens."""
    kept, used = [], 0
    for hit in hits:
        used += tokens(hit.text)
        if used > budget:
            break
        kept.append(str(hit.metadata["dia_id"]))
    return kept


def ingest(
    memory: Memory, conversations: list[Conversation], *, turns: int = DEFAULT_CONTEXT_TURNS
) -> tuple[int, float]:
    """Every turn a memory; unless ``turns`` is 0, its context is its session's
    date and the ``turns`` turns on each side."""
    memory.personas.create(PersonaCreate(id=PERSONA, name="LoCoMo"))
    items = [
        MemoryCreate(
            text=turn.text,
            persona_id=PERSONA,
            user_id=conversation.sample_id,
            metadata={"dia_id": turn.dia_id},
            source="locomo",
            context=(
                turn_context(conversation.turns, index, before=turns, after=turns)
                if turns
                else None
            ),
        )
        for conversation in conversations
        for index, turn in enumerate(conversation.turns)
    ]
    started = time.perf_counter()
    for start in range(0, len(items), INGEST_BATCH):
        memory.memories.add_many(items[start : start + INGEST_BATCH])
    return len(items), time.perf_counter() - started


def score(memory: Memory, conversations: list[Conversation], mode: SearchMode) -> list[Scored]:
    scored = []
    for conversation in conversations:
        for question in conversation.questions:
            started = time.perf_counter()
            hits = memory.search(
                question.text,
                persona_id=PERSONA,
                user_id=conversation.sample_id,
                limit=DEPTH,
                mode=mode,
                min_score=0,  # recall of the ranking: keep every candidate
            ).results
            ms = (time.perf_counter() - started) * 1000
            ranked = [str(hit.metadata["dia_id"]) for hit in hits]
            scored.append(
                Scored(
                    conversation.sample_id,
                    question.category,
                    {k: evidence_recall(ranked[:k], question.evidence) for k in RECALL_AT},
                    {
                        b: evidence_recall(context_ids(hits, b), question.evidence)
                        for b in TOKEN_BUDGETS
                    },
                    ms,
                )
            )
    return scored


def summary(mode: str, scored: list[Scored]) -> ModeResult:
    categories = sorted({s.category for s in scored})
    latencies = [s.ms for s in scored]
    return ModeResult(
        mode=mode,
        questions=len(scored),
        recall_at={k: statistics.fmean(s.recall_at[k] for s in scored) for k in RECALL_AT},
        context_recall={
            b: statistics.fmean(s.context_recall[b] for s in scored) for b in TOKEN_BUDGETS
        },
        by_category={
            c: statistics.fmean(s.recall_at[10] for s in scored if s.category == c)
            for c in categories
        },
        latency_ms_p50=percentile(latencies, 50),
        latency_ms_p95=percentile(latencies, 95),
    )


# Context turns each side, context weight, dense weight; a subject boost alone; or
# a fusion and its dense weight.
Knobs = tuple[float | str, ...]


def leave_one_out(
    grid: dict[Knobs, list[Scored]], label: str = "hybrid, leave-one-out"
) -> LeaveOneOut:
    """Per held-out conversation, the knobs with the best R@10 on the others
    (ties to the first in the grid), then that conversation's questions with them."""
    first = next(iter(grid.values()))
    held: list[Scored] = []
    chosen: dict[str, list[float | str]] = {}
    for conversation in dict.fromkeys(s.conversation for s in first):

        def others(knobs: Knobs, out: str = conversation) -> float:
            rest = [s.recall_at[10] for s in grid[knobs] if s.conversation != out]
            return statistics.fmean(rest) if rest else 0.0

        best = max(grid, key=others)
        chosen[conversation] = list(best)
        held += [s for s in grid[best] if s.conversation == conversation]
    return LeaveOneOut(summary(label, held), chosen)


class Remembering:
    """The real embedder, remembering each text's vector: every memory set holds
    the same turns (a context is not embedded), so each is embedded once."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._known: dict[str, Vectors] = {}

    def forget(self) -> None:
        self._known.clear()

    @property
    def model_name(self) -> str:
        return self.embedder.model_name

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            self._known |= dict(zip(missing, self.embedder.embed(missing), strict=True))
        return np.stack([self._known[t] for t in texts]) if texts else self.embedder.embed([])


def run(
    data: Path,
    *,
    settings: Settings | None = None,
    conversations: int | None = None,
    questions: int | None = None,
) -> BenchReport:
    dataset = load_locomo(data, conversations, questions=questions)
    base = settings or Settings()
    # A configured reranker is one extra row over the defaults, never in the grid.
    reranking = base.model_dump(include={"reranker", "reranker_model", "rerank_depth"})
    base = base.model_copy(update={"reranker": None})
    with tempfile.TemporaryDirectory() as folder:

        def at(name: str, **knobs: float | str) -> Settings:
            return base.model_copy(update={"database_url": str(Path(folder) / name), **knobs})

        with Memory(settings=at("plain.db")) as memory:
            memory.embedder.embed(["warm up"])  # first model load is not measured
            embed_ms = _embedding_ms(memory.embedder, dataset)
            embedder = Remembering(memory.embedder)

            def scored(name: str, **knobs: float | str) -> list[Scored]:
                with Memory(settings=at(name, **knobs), embedder=embedder) as memory_:
                    return score(memory_, dataset, "hybrid")

            # Every step before the last runs without the subject boost, as they were tuned.
            off = {"subject_boost": 1.0}
            with Memory(settings=at("plain.db"), embedder=embedder) as plain:
                count, seconds = ingest(plain, dataset, turns=0)
            bare = scored("plain.db", vector_weight=1.0, **off)
            weighted = scored("plain.db", **off)
            grid: dict[Knobs, list[Scored]] = {}
            for turns in CONTEXT_TURNS:
                name = f"context-{turns}.db"
                with Memory(settings=at(name), embedder=embedder) as fresh:
                    ingest(fresh, dataset, turns=turns)
                for weights in itertools.product(CONTEXT_WEIGHTS, VECTOR_WEIGHTS):
                    grid[(turns, *weights)] = scored(
                        name, context_weight=weights[0], vector_weight=weights[1], **off
                    )
            name = f"context-{DEFAULT_CONTEXT_TURNS}.db"
            with Memory(settings=at(name), embedder=embedder) as default:
                modes = [summary(m, score(default, dataset, m)) for m in get_args(SearchMode)]
                search_ms = _default_search_ms(default, dataset)
            reranked, reranked_ms = None, []
            if reranking["reranker"] is not None:
                with Memory(settings=at(name, **reranking), embedder=embedder) as reranks:
                    reranked = summary("hybrid + reranker", score(reranks, dataset, "hybrid"))
                    reranked_ms = _default_search_ms(reranks, dataset)
            expanding = {"expansion_weight": EXPANSIONS[1][0], "expansion_similarity": 0.5}
            with Memory(settings=at(name, **expanding), embedder=embedder) as expanded:
                expanded_ms = _default_search_ms(expanded, dataset)
            expansions: dict[Knobs, list[Scored]] = {
                (fusion, w, f): scored(
                    name, fusion=fusion, expansion_weight=w, expansion_similarity=f
                )
                for fusion, (w, f) in itertools.product(FUSIONS, EXPANSIONS)
            }
            subjects: dict[Knobs, list[Scored]] = {
                (b,): scored(name, subject_boost=b) for b in SUBJECT_BOOSTS
            }
            fusions: dict[Knobs, list[Scored]] = {
                (f, w, at): scored(name, fusion=f, vector_weight=w, normalise_at=at)
                for f, w, at in FUSION_GRID
            }
            contexted = (DEFAULT_CONTEXT_TURNS, base.context_weight, base.vector_weight)
            ablation = [
                Ablation(
                    f"turns alone ({base.fusion}, equal weights)",
                    0,
                    0.0,
                    1.0,
                    summary("hybrid", bare),
                ),
                Ablation("+ dense weight", 0, 0.0, base.vector_weight, summary("hybrid", weighted)),
                Ablation(
                    f"+ context ({DEFAULT_CONTEXT_TURNS} turns each side, date)",
                    DEFAULT_CONTEXT_TURNS,
                    base.context_weight,
                    base.vector_weight,
                    summary("hybrid", grid[contexted]) if contexted in grid else modes[0],
                ),
                Ablation(
                    "+ subject boost (default)",
                    DEFAULT_CONTEXT_TURNS,
                    base.context_weight,
                    base.vector_weight,
                    modes[0],
                ),
            ]
            return BenchReport(
                conversations=len(dataset),
                memories=count,
                ingest_seconds=seconds,
                ingest_per_second=count / seconds,
                embedding_model=embedder.model_name,
                machine=machine(),
                modes=modes,
                context_weight=base.context_weight,
                vector_weight=base.vector_weight,
                ablation=ablation,
                leave_one_out=leave_one_out(grid),
                fusion=base.fusion,
                subject_boost=base.subject_boost,
                subject_boosts=[summary(f"subject boost {k[0]}", v) for k, v in subjects.items()],
                subjects_leave_one_out=leave_one_out(subjects, "subject boost, leave-one-out"),
                fusions=[summary(_fusion_label(k), v) for k, v in fusions.items()],
                fusions_leave_one_out=leave_one_out(fusions, "fusion, leave-one-out"),
                expansions=[
                    summary(f"{k[0]}, expansion weight {k[1]}, similarity {k[2]}", v)
                    for k, v in expansions.items()
                ],
                expansions_leave_one_out=leave_one_out(expansions, "expansion, leave-one-out"),
                expanded_search_ms_p50=percentile(expanded_ms, 50),
                expanded_search_ms_p95=percentile(expanded_ms, 95),
                query_embedding_ms_p50=percentile(embed_ms, 50),
                query_embedding_ms_p95=percentile(embed_ms, 95),
                default_search_ms_p50=percentile(search_ms, 50),
                default_search_ms_p95=percentile(search_ms, 95),
                reranker=_reranker_label(reranking),
                reranked=reranked,
                reranked_search_ms_p50=percentile(reranked_ms, 50),
                reranked_search_ms_p95=percentile(reranked_ms, 95),
            )


def _reranker_label(reranking: dict[str, Any]) -> str | None:
    if reranking["reranker"] is None:
        return None
    return (
        f"{reranking['reranker']} {reranking['reranker_model']}, "
        f"the best {reranking['rerank_depth']}"
    )


def _fusion_label(knobs: Knobs) -> str:
    fusion, weight, at = knobs
    label = f"{fusion}, dense weight {weight}"
    return label if fusion == "rrf" else f"{label}, normalised at {at}"


def _default_search_ms(memory: Memory, dataset: list[Conversation]) -> list[float]:
    """Each question searched as an agent would: hybrid, the default limit."""
    timings = []
    for conversation in dataset:
        for question in conversation.questions:
            started = time.perf_counter()
            memory.search(question.text, persona_id=PERSONA, user_id=conversation.sample_id)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _embedding_ms(embedder: Embedder, dataset: list[Conversation]) -> list[float]:
    """One question at a time, as a search embeds it."""
    timings = []
    for conversation in dataset:
        for question in conversation.questions:
            started = time.perf_counter()
            embedder.embed([question.text])
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _row(label: str, m: ModeResult) -> str:
    cells = [f"{m.recall_at[k]:.3f}" for k in RECALL_AT]
    cells += [f"{m.context_recall[b]:.3f}" for b in TOKEN_BUDGETS]
    return f"| {label} | " + " | ".join(cells) + " |"


def _timed_row(label: str, m: ModeResult) -> str:
    return f"{_row(label, m)[:-1]}| {m.latency_ms_p50:.1f} | {m.latency_ms_p95:.1f} |"


def _categories(label: str, m: ModeResult) -> str:
    return (
        f"| {label} | " + " | ".join(f"{m.by_category.get(c, 0.0):.3f}" for c in CATEGORIES) + " |"
    )


def _tried(rows: list[ModeResult], loo: LeaveOneOut | None) -> tuple[list[str], str]:
    """The table rows of a knob's values and its leave-one-out, and the choices."""
    lines = [_row(m.mode, m) for m in rows]
    if loo is None:
        return lines, "-"
    chosen = ", ".join(f"{c}: {' / '.join(map(str, w))}" for c, w in loo.chosen.items())
    return [*lines, _row(loo.result.mode, loo.result)], chosen


def _reranker_section(report: BenchReport) -> list[str]:
    """The defaults with the configured reranker, when one was (else nothing)."""
    if report.reranked is None:
        return []
    head = "| | R@5 | R@10 | R@20 | ctx 500 | ctx 1k | ctx 2k | p50 ms | p95 ms |"
    return [
        "## Reranker",
        "",
        f"The defaults, then the reranker ({report.reranker}; PERSONA_MEMORY_RERANKER, "
        "`retrieval/rerank.py`) reorders each search's best candidates. Latencies as in "
        "the modes table (searches for 50 results).",
        "",
        head,
        "|---|---|---|---|---|---|---|---|---|",
        _timed_row("hybrid (defaults)", report.modes[0]),
        _timed_row("hybrid + reranker", report.reranked),
        "",
        f"A default search with the reranker: p50 {report.reranked_search_ms_p50:.1f} ms, "
        f"p95 {report.reranked_search_ms_p95:.1f} ms, against "
        f"p50 {report.default_search_ms_p50:.1f} ms, "
        f"p95 {report.default_search_ms_p95:.1f} ms without "
        f"(x{_ratio(report.reranked_search_ms_p95, report.default_search_ms_p95)} at p95).",
        "",
    ]


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def render(report: BenchReport) -> str:
    head = "| | R@5 | R@10 | R@20 | ctx 500 | ctx 1k | ctx 2k |"
    rule = "|---|---|---|---|---|---|---|"
    modes = [_timed_row(m.mode, m) for m in report.modes]
    ablation = [_row(a.step, a.result) for a in report.ablation]
    loos = [x for x in (report.leave_one_out,) if x is not None]
    boosts, subjects_chosen = _tried(report.subject_boosts, report.subjects_leave_one_out)
    fusions, fusions_chosen = _tried(report.fusions, report.fusions_leave_one_out)
    expansions, expansions_chosen = _tried(report.expansions, report.expansions_leave_one_out)
    loo_rows = [_row(x.result.mode, x.result) for x in loos]
    chosen = [
        f"{x.result.mode}: "
        + ", ".join(f"{c}: {' / '.join(map(str, w))}" for c, w in x.chosen.items())
        + "."
        for x in loos
    ]
    categories = [_categories(a.step, a.result) for a in report.ablation]
    categories += [_categories(x.result.mode, x.result) for x in loos]
    categories += [
        _categories(x.result.mode, x.result)
        for x in (
            report.fusions_leave_one_out,
            report.subjects_leave_one_out,
            report.expansions_leave_one_out,
        )
        if x is not None
    ]
    machine_line = ", ".join(f"{k}: {v}" for k, v in report.machine.items())
    names = " | ".join(f"{c} {n}" for c, n in CATEGORIES.items())
    return "\n".join(
        [
            "# Retrieval on LoCoMo (dev: conversations 0-4, categories 1-4)",
            "",
            f"{report.memories} memories in {report.conversations} relationships; "
            f"{report.modes[0].questions} questions; embedding model {report.embedding_model}. "
            "Every turn is a memory whose `context` holds its session's date and the "
            f"{DEFAULT_CONTEXT_TURNS} turns on each side in the same session "
            "(`persona_memory.bench.locomo.turn_context`).",
            f"Ingest: {report.ingest_per_second:.0f} memories/s "
            f"({report.ingest_seconds:.1f} s, batches of {INGEST_BATCH}, embedding included).",
            f"Defaults: context weight {report.context_weight}, dense weight "
            f"{report.vector_weight} (full text 1), {report.fusion} fusion, subject boost "
            f"{report.subject_boost}.",
            "",
            "## Modes (defaults)",
            "",
            head[:-1] + "| p50 ms | p95 ms |",
            rule + "---|---|",
            *modes,
            "",
            f"Query embedding alone: p50 {report.query_embedding_ms_p50:.1f} ms, "
            f"p95 {report.query_embedding_ms_p95:.1f} ms (one question at a time).",
            f"A default search (hybrid, limit {DEFAULT_LIMIT}, vector already computed): "
            f"p50 {report.default_search_ms_p50:.1f} ms, "
            f"p95 {report.default_search_ms_p95:.1f} ms. The table's latencies are "
            f"searches for {DEPTH} results, enough to fill 2,000 tokens.",
            "",
            "## Ablation (each step on top of the one before; all in this run)",
            "",
            head,
            rule,
            *ablation,
            "",
            "## Leave one conversation out",
            "",
            "Each conversation is scored with the knobs (context turns each side / context "
            "weight / dense weight) that gave the best R@10 on the other four, from turns "
            f"{list(CONTEXT_TURNS)}, context weights {list(CONTEXT_WEIGHTS)} and dense "
            f"weights {list(VECTOR_WEIGHTS)}, without the subject boost.",
            "",
            head,
            rule,
            *loo_rows,
            "",
            "Chosen per held-out conversation:",
            "",
            *[f"- {line}" for line in chosen],
            "",
            "## Fusion",
            "",
            "Each row fuses full text and dense one way (PERSONA_MEMORY_FUSION), with one "
            "dense weight (PERSONA_MEMORY_VECTOR_WEIGHT) and, for linear fusion, the rank "
            "each ranking is rescaled at (PERSONA_MEMORY_NORMALISE_AT), the other knobs "
            "at their defaults. The last row scores each conversation with the knobs that "
            f"did best on the other four (fusion, dense weight, rank; chosen: {fusions_chosen}).",
            "",
            head,
            rule,
            *fusions,
            "",
            "## Subject boost",
            "",
            "Each row multiplies the score of a memory whose text starts with a name the "
            "question names (PERSONA_MEMORY_SUBJECT_BOOST; `retrieval/names.py`), the "
            "other knobs at their defaults. The last row scores each conversation with the "
            f"boost that did best on the other four (chosen: {subjects_chosen}).",
            "",
            head,
            rule,
            *boosts,
            "",
            "## Query expansion",
            "",
            "Each row adds a third full-text ranking, over the words of the first pass's "
            "best candidates that the embedder puts near the question's words, with a "
            "weight (PERSONA_MEMORY_EXPANSION_WEIGHT; 0: off, the default) and the "
            "similarity a word needs (PERSONA_MEMORY_EXPANSION_SIMILARITY), under each "
            "fusion (PERSONA_MEMORY_FUSION), the other knobs at their defaults "
            "(`retrieval/expansion.py`). The last row scores each conversation with the "
            "fusion, weight and similarity that did best on the other four (chosen: "
            f"{expansions_chosen}).",
            "",
            head,
            rule,
            *expansions,
            "",
            f"A default search with expansion on (weight {EXPANSIONS[1][0]}, similarity 0.5): "
            f"p50 {report.expanded_search_ms_p50:.1f} ms, "
            f"p95 {report.expanded_search_ms_p95:.1f} ms, against "
            f"p50 {report.default_search_ms_p50:.1f} ms, "
            f"p95 {report.default_search_ms_p95:.1f} ms without "
            f"(x{_ratio(report.expanded_search_ms_p95, report.default_search_ms_p95)} at p95).",
            "",
            *_reranker_section(report),
            "## R@10 by question category",
            "",
            f"| | {names} |",
            "|---|" + "---|" * len(CATEGORIES),
            *categories,
            "",
            "R@k: share of a question's evidence turns among the top k results, averaged.",
            "ctx N: the same inside the best-first results that fit N tokens (chars/4).",
            "Latency: one in-process search with the question's vector already computed "
            "(each set embeds the same questions; the embedder remembers them), so the query "
            "embedding is excluded and reported apart.",
            "Categories are named as in mem0's LoCoMo evaluation.",
            "",
            f"Machine: {machine_line}.",
        ]
    )


def run_and_write(
    data: Path,
    out: Path,
    *,
    settings: Settings | None = None,
    conversations: int | None = None,
    questions: int | None = None,
) -> str:
    report = run(data, settings=settings, conversations=conversations, questions=questions)
    out.mkdir(parents=True, exist_ok=True)
    text = render(report)
    (out / "retrieval.md").write_text(text + "\n", encoding="utf-8")
    (out / "retrieval.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    return text


def percentile(values: list[float], percent: int) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return ordered[index]
