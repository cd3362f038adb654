"""Working memory at its usual size: ``python bench/sessions.py``.

Writes bench/results/sessions.{md,json}. Per backend (SQLite file, PostgreSQL):

- appending one entry to a live session that grows to 200 entries (p50/p95
  over every append of every session), through the SDK in-process;
- ending a 200-entry session with flush (summary, embedding, episode memory,
  stats, transcript file), p50/p95;
- baselines in the same run, as ratios: adding one memory (``memory.add``, the
  write every other feature makes) against one append, and summarising the
  same session without writing anything against ending it.

The embedder is the real local model unless ``--embedder hash``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from persona_memory import Memory, PersonaCreate, Settings  # noqa: E402
from persona_memory.bench.retrieval import machine, percentile  # noqa: E402
from persona_memory.core.sessions import EntryCreate, SessionCreate  # noqa: E402

SEED = 7
ENTRIES = 200
NAMES = ["Sarah", "Marcus", "Jessica", "Tom", "Priya", "Jake"]
TOPICS = ["the report", "the climbing gym", "the date on Friday", "mom's visit", "the promotion"]
SHAPES = [
    "I talked to {name} about {topic} and it went badly.",
    "Honestly {topic} is stressing me out more than I expected.",
    "You should tell {name} exactly what you told me about {topic}.",
    "I decided to bring up {topic} with {name} on Monday.",
    "Remember to send {name} the notes on {topic} by Friday.",
    "That sounds great, I'm really happy {topic} worked out.",
]


def lines(rng: random.Random, count: int) -> list[EntryCreate]:
    made = []
    for n in range(count):
        text = rng.choice(SHAPES).format(name=rng.choice(NAMES), topic=rng.choice(TOPICS))
        role = "user" if n % 2 == 0 else "brad"
        made.append(EntryCreate(content=text, role=role, timeline=rng.choice(["main", "planning"])))
    return made


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def run_backend(url: str, folder: Path, embedder: str, sessions: int) -> dict[str, Any]:
    settings = Settings(database_url=url, embedder=embedder, transcripts_dir=folder)
    rng = random.Random(SEED)
    times: dict[str, list[float]] = {"append": [], "end": [], "summarize": [], "add": []}
    with Memory(settings=settings) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        memory.embedder.embed(["warm up"])
        for n in range(sessions):
            one_session(memory, rng, f"user{n}", times)
    appends, ends, summaries, adds = (times[k] for k in ("append", "end", "summarize", "add"))
    return {
        "append_ms": stats(appends),
        "end_with_flush_ms": stats(ends),
        "baseline_add_memory_ms": stats(adds),
        "baseline_summarize_ms": stats(summaries),
        "append_p95_vs_add_p95": round(percentile(appends, 95) / percentile(adds, 95), 2),
        "end_p95_vs_summarize_p95": round(percentile(ends, 95) / percentile(summaries, 95), 2),
        "sessions": sessions,
        "entries_per_session": ENTRIES,
    }


def one_session(
    memory: Memory, rng: random.Random, user: str, times: dict[str, list[float]]
) -> None:
    sid = memory.sessions.start(SessionCreate(persona_id="brad", user_id=user)).id
    for entry in lines(rng, ENTRIES):
        times["append"].append(timed(lambda e=entry: memory.sessions.add_entries(sid, [e])))
    for _ in range(5):
        fact = rng.choice(SHAPES).format(name=rng.choice(NAMES), topic=rng.choice(TOPICS))
        times["add"].append(timed(lambda f=fact: memory.add(f, persona_id="brad", user_id=user)))
    times["summarize"].append(timed(lambda: memory.sessions.summarize(sid)))
    times["end"].append(timed(lambda: memory.sessions.end(sid, flush=True)))


def stats(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "n": len(values),
    }


def databases(backends: list[str], folder: Path) -> Iterator[tuple[str, str]]:
    if "sqlite" in backends:
        yield "sqlite", str(folder / "sessions.db")
    if "postgres" in backends:
        from tests.pgserver import start_server

        pg = start_server(folder)
        try:
            yield "postgres", pg.create_database("bench_sessions")
        finally:
            pg.stop()


def report(results: dict[str, Any]) -> str:
    rows = [
        "# Sessions benchmark",
        "",
        f"Machine: {', '.join(f'{k} {v}' for k, v in results['machine'].items())}. "
        f"Embedder: {results['embedder']}. "
        f"{results['sessions']} sessions of {ENTRIES} entries per backend; "
        "`python bench/sessions.py` reproduces it.",
        "",
        "| backend | append p50 | append p95 | end with flush p50 | end with flush p95 "
        "| add memory p95 (baseline) | summarise p95 (baseline) | append / add | end / summarise |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["backends"].items():
        rows.append(
            f"| {name} | {r['append_ms']['p50']} ms | {r['append_ms']['p95']} ms "
            f"| {r['end_with_flush_ms']['p50']} ms | {r['end_with_flush_ms']['p95']} ms "
            f"| {r['baseline_add_memory_ms']['p95']} ms | {r['baseline_summarize_ms']['p95']} ms "
            f"| {r['append_p95_vs_add_p95']} | {r['end_p95_vs_summarize_p95']} |"
        )
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--embedder", default="sentence-transformers")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": machine(),
        "embedder": args.embedder,
        "sessions": args.sessions,
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as tmp:
        for name, url in databases(args.backends.split(","), Path(tmp)):
            folder = Path(tmp) / f"{name}-transcripts"
            results["backends"][name] = run_backend(url, folder, args.embedder, args.sessions)
            print(name, json.dumps(results["backends"][name]))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sessions.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "sessions.md").write_text(report(results))


if __name__ == "__main__":
    main()
