"""The torch-free embedders against torch: ``python bench/embedders.py``.

Writes bench/results/embedders.{md,json}. Three embedders, in one run:

- ``torch``: all-MiniLM-L6-v2 through sentence-transformers, one torch thread;
- ``minilm``: the same model in numpy (``providers/embedders/minilm_numpy.py``);
- ``static``: its static distillation (``providers/embedders/static.py``),
  distilled here once to time it; the embedder reads the shipped table.

Speed on ONE core (the process pinned to core 0, every BLAS/OpenMP pool at one
thread): query latency p50/p95 over the LoCoMo dev questions embedded one at a
time, and batch throughput over every LoCoMo dev turn in one call. Quality:
``persona_memory.bench.retrieval.run`` with each embedder (R@10 and recall
within 1,000 tokens of hybrid search), unpinned, since it does not depend on
speed.
"""

from __future__ import annotations

import os

# Before numpy (and torch) are imported: their thread pools read these once.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model comes from the installed package

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.learning import DATA  # noqa: E402

from persona_memory import Settings  # noqa: E402
from persona_memory.bench import retrieval  # noqa: E402
from persona_memory.bench.locomo import load_locomo  # noqa: E402
from persona_memory.core.ports import Embedder  # noqa: E402
from persona_memory.providers.embedders import static  # noqa: E402
from persona_memory.providers.embedders.minilm_numpy import (  # noqa: E402
    NumpyMiniLMEmbedder,
    model_folder,
)
from persona_memory.providers.embedders.sentence_transformers import (  # noqa: E402
    SentenceTransformerEmbedder,
)

OUT = ROOT / "bench" / "results"
CORE = 0
Vectors = np.ndarray
# Registry name of each embedder, for the retrieval runs.
REGISTRY = {"torch": "sentence-transformers", "minilm": "minilm", "static": "static"}


@dataclass
class Result:
    embedder: str
    model_name: str
    dimension: int
    query_ms_p50: float = 0.0
    query_ms_p95: float = 0.0
    batch_per_second: float = 0.0
    recall_at_10: float = 0.0
    context_recall_1k: float = 0.0
    vector_recall_at_10: float = 0.0
    max_abs_diff_vs_torch: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


@contextmanager
def pinned(cores: set[int]) -> Iterator[None]:
    """This thread, and every thread it starts meanwhile, on ``cores`` only."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def query_latencies(embedder: Embedder, questions: list[str]) -> tuple[list[float], Vectors]:
    embedder.embed(["warm up"])
    latencies, vectors = [], []
    for question in questions:
        started = time.perf_counter()
        vectors.append(embedder.embed([question])[0])
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, np.stack(vectors)


def throughput(embed: Callable[[list[str]], object], texts: list[str]) -> float:
    started = time.perf_counter()
    embed(texts)
    return len(texts) / (time.perf_counter() - started)


def speed(
    name: str, embedder: Embedder, questions: list[str], turns: list[str]
) -> tuple[Result, Vectors]:
    """Latency and throughput, and the questions' vectors (to compare with torch's)."""
    latencies, vectors = query_latencies(embedder, questions)
    result = Result(
        embedder=name,
        model_name=embedder.model_name,
        dimension=embedder.dimension,
        query_ms_p50=retrieval.percentile(latencies, 50),
        query_ms_p95=retrieval.percentile(latencies, 95),
        batch_per_second=throughput(embedder.embed, turns),
    )
    print(
        f"{name}: p50 {result.query_ms_p50:.2f} ms, p95 {result.query_ms_p95:.2f} ms, "
        f"{result.batch_per_second:.0f}/s",
        flush=True,
    )
    return result, vectors


def quality(result: Result, data: Path) -> None:
    report = retrieval.run(data, settings=Settings(embedder=REGISTRY[result.embedder]))
    modes = {mode.mode: mode for mode in report.modes}
    result.recall_at_10 = modes["hybrid"].recall_at[10]
    result.context_recall_1k = modes["hybrid"].context_recall[1000]
    result.vector_recall_at_10 = modes["vector"].recall_at[10]
    print(
        f"{result.embedder}: R@10 {result.recall_at_10:.3f}, ctx 1k {result.context_recall_1k:.3f}",
        flush=True,
    )


def run(data: Path) -> dict[str, object]:
    dataset = load_locomo(data)
    questions = [q.text for conversation in dataset for q in conversation.questions]
    turns = [turn.text for conversation in dataset for turn in conversation.turns]
    with pinned({CORE}):
        torch_result, reference = speed("torch", torch_embedder(), questions, turns)
        numpy_result, numpy_vectors = speed("minilm", NumpyMiniLMEmbedder(), questions, turns)
        numpy_result.max_abs_diff_vs_torch = float(np.abs(numpy_vectors - reference).max())
        numpy_result.extra["batch_32_per_second"] = throughput(
            NumpyMiniLMEmbedder(batch_size=32).embed, turns
        )
        distill_seconds = distill_timed()
        static_result, _ = speed("static", static.StaticEmbedder(), questions, turns)
    results = [torch_result, numpy_result, static_result]
    for result in results:
        quality(result, data)
    return {
        "machine": retrieval.machine(),
        "conditions": f"pinned to core {CORE}; OPENBLAS/OMP/MKL_NUM_THREADS=1; one torch thread",
        "questions": len(questions),
        "turns": len(turns),
        "distill_seconds": distill_seconds,
        "results": [asdict(result) for result in results],
    }


def torch_embedder() -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder(threads=1, batch_threads=1)
    embedder.warm_up()
    return embedder


def distill_timed() -> float:
    """Distil the static table once, timed (the embedder reads the shipped copy,
    which scripts/distill_static.py made the same way)."""
    started = time.perf_counter()
    static.distill(model_folder())
    seconds = time.perf_counter() - started
    print(f"static: distilled in {seconds:.1f} s", flush=True)
    return seconds


def render(report: dict[str, object]) -> str:
    results = [Result(**row) for row in report["results"]]  # type: ignore[attr-defined]
    torch_result = results[0]
    head = (
        "| embedder | model | dim | query p50 ms | query p95 ms | batch /s | R@10 | ctx 1k "
        "| vector R@10 | max abs diff vs torch |"
    )
    rows = [head, "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        diff = "—" if r.max_abs_diff_vs_torch is None else f"{r.max_abs_diff_vs_torch:.1e}"
        rows.append(
            f"| {r.embedder} | {r.model_name} | {r.dimension} | {r.query_ms_p50:.2f} "
            f"| {r.query_ms_p95:.2f} | {r.batch_per_second:.0f} | {r.recall_at_10:.3f} "
            f"| {r.context_recall_1k:.3f} | {r.vector_recall_at_10:.3f} | {diff} |"
        )
    ratios = [
        "| embedder | p50 speed-up | p95 speed-up | batch speed-up | ΔR@10 | Δctx 1k |",
        "|---|---|---|---|---|---|",
    ]
    for r in results[1:]:
        ratios.append(
            f"| {r.embedder} | {torch_result.query_ms_p50 / r.query_ms_p50:.1f}x "
            f"| {torch_result.query_ms_p95 / r.query_ms_p95:.1f}x "
            f"| {r.batch_per_second / torch_result.batch_per_second:.1f}x "
            f"| {r.recall_at_10 - torch_result.recall_at_10:+.3f} "
            f"| {r.context_recall_1k - torch_result.context_recall_1k:+.3f} |"
        )
    numpy_extra = results[1].extra
    machine = ", ".join(f"{k}: {v}" for k, v in report["machine"].items())  # type: ignore[attr-defined]
    return "\n".join(
        [
            "# Embedders: torch, numpy MiniLM, static (LoCoMo dev)",
            "",
            f"Speed: {report['conditions']}. Query latency: {report['questions']} questions "
            f"embedded one at a time. Batch: {report['turns']} turns in one call.",
            "Quality: `persona_memory.bench.retrieval.run` with each embedder; R@10 and "
            "ctx 1k are hybrid search's, vector R@10 is dense search alone.",
            "",
            *rows,
            "",
            "Against torch, in the same run:",
            "",
            *ratios,
            "",
            f"Static table distilled in {report['distill_seconds']:.1f} s (one core, "
            f"every vocabulary token through the numpy model). numpy MiniLM batches of "
            f"32 instead of the default 16: {numpy_extra['batch_32_per_second']:.0f}/s.",
            "",
            f"Machine: {machine}.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="LoCoMo JSON file")
    args = parser.parse_args()
    report = run(args.data)
    OUT.mkdir(parents=True, exist_ok=True)
    text = render(report)
    (OUT / "embedders.md").write_text(text + "\n", encoding="utf-8")
    (OUT / "embedders.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
