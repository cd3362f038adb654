"""LoCoMo retrieval benchmark: turn-level evidence recall, context recall, latency.

Each conversation becomes one relationship (persona ``locomo``, user = the
sample id); each turn one memory. Every question is asked three ways in the
same run — hybrid, BM25 only, dense only — so the figures compare as ratios
on one machine.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import get_args

from persona_memory.bench.locomo import Conversation, load_locomo
from persona_memory.config import Settings
from persona_memory.core.memories import MemoryCreate, SearchHit, SearchMode
from persona_memory.core.personas import PersonaCreate
from persona_memory.memory import Memory

PERSONA = "locomo"
RECALL_AT = (5, 10, 20)
TOKEN_BUDGETS = (1000, 2000)
DEPTH = 50  # results fetched per question; enough to fill a 2,000-token context
INGEST_BATCH = 128


@dataclass
class ModeResult:
    mode: str
    questions: int = 0
    recall_at: dict[int, float] = field(default_factory=dict)
    context_recall: dict[int, float] = field(default_factory=dict)
    latency_ms_p50: float = 0.0
    latency_ms_p95: float = 0.0


@dataclass
class BenchReport:
    conversations: int
    memories: int
    ingest_seconds: float
    ingest_per_second: float
    embedding_model: str
    machine: dict[str, str]
    modes: list[ModeResult]


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


def ingest(memory: Memory, conversations: list[Conversation]) -> tuple[int, float]:
    memory.personas.create(PersonaCreate(id=PERSONA, name="LoCoMo"))
    items = [
        MemoryCreate(
            text=turn.text,
            persona_id=PERSONA,
            user_id=conversation.sample_id,
            metadata={"dia_id": turn.dia_id},
            source="locomo",
        )
        for conversation in conversations
        for turn in conversation.turns
    ]
    started = time.perf_counter()
    for start in range(0, len(items), INGEST_BATCH):
        memory.memories.add_many(items[start : start + INGEST_BATCH])
    return len(items), time.perf_counter() - started


def evaluate(memory: Memory, conversations: list[Conversation], mode: SearchMode) -> ModeResult:
    recalls: dict[int, list[float]] = {k: [] for k in RECALL_AT}
    contexts: dict[int, list[float]] = {b: [] for b in TOKEN_BUDGETS}
    latencies: list[float] = []
    for conversation in conversations:
        for question in conversation.questions:
            started = time.perf_counter()
            hits = memory.search(
                question.text,
                persona_id=PERSONA,
                user_id=conversation.sample_id,
                limit=DEPTH,
                mode=mode,
            ).results
            latencies.append((time.perf_counter() - started) * 1000)
            ranked = [str(hit.metadata["dia_id"]) for hit in hits]
            for k in RECALL_AT:
                recalls[k].append(evidence_recall(ranked[:k], question.evidence))
            for budget in TOKEN_BUDGETS:
                contexts[budget].append(
                    evidence_recall(context_ids(hits, budget), question.evidence)
                )
    return ModeResult(
        mode=mode,
        questions=len(latencies),
        recall_at={k: statistics.fmean(v) for k, v in recalls.items()},
        context_recall={b: statistics.fmean(v) for b, v in contexts.items()},
        latency_ms_p50=percentile(latencies, 50),
        latency_ms_p95=percentile(latencies, 95),
    )


def run(
    data: Path, *, settings: Settings | None = None, conversations: int | None = None
) -> BenchReport:
    dataset = load_locomo(data, conversations)
    with tempfile.TemporaryDirectory() as folder:
        run_settings = (settings or Settings()).model_copy(
            update={"database_url": str(Path(folder) / "bench.db")}
        )
        with Memory(settings=run_settings) as memory:
            memory.embedder.embed(["warm up"])  # first model load is not measured
            count, seconds = ingest(memory, dataset)
            modes = [evaluate(memory, dataset, mode) for mode in get_args(SearchMode)]
            return BenchReport(
                conversations=len(dataset),
                memories=count,
                ingest_seconds=seconds,
                ingest_per_second=count / seconds,
                embedding_model=memory.embedder.model_name,
                machine=machine(),
                modes=modes,
            )


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


def render(report: BenchReport) -> str:
    head = "| mode | R@5 | R@10 | R@20 | ctx 1k | ctx 2k | p50 ms | p95 ms |"
    rows = [head, "|---|---|---|---|---|---|---|---|"]
    for m in report.modes:
        rows.append(
            f"| {m.mode} | {m.recall_at[5]:.3f} | {m.recall_at[10]:.3f} | {m.recall_at[20]:.3f} "
            f"| {m.context_recall[1000]:.3f} | {m.context_recall[2000]:.3f} "
            f"| {m.latency_ms_p50:.1f} | {m.latency_ms_p95:.1f} |"
        )
    machine_line = ", ".join(f"{k}: {v}" for k, v in report.machine.items())
    return "\n".join(
        [
            "# Retrieval on LoCoMo (dev: conversations 0-4, categories 1-4)",
            "",
            f"{report.memories} memories in {report.conversations} relationships; "
            f"{report.modes[0].questions} questions; embedding model {report.embedding_model}.",
            f"Ingest: {report.ingest_per_second:.0f} memories/s "
            f"({report.ingest_seconds:.1f} s, batches of {INGEST_BATCH}, embedding included).",
            "",
            *rows,
            "",
            "R@k: share of a question's evidence turns among the top k results, averaged.",
            "ctx Nk: the same inside the best-first results that fit N tokens (chars/4).",
            "Latency: one in-process search, query embedding included, first model load not.",
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
) -> str:
    report = run(data, settings=settings, conversations=conversations)
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
