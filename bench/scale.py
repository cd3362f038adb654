"""Search and ingest at scale, on SQLite and PostgreSQL: ``python bench/scale.py``.

Writes bench/results/scale.{md,json}. What it measures, per backend:

- search latency at 10k and 100k memories, laid out (a) spread over 1,000
  relationships of one persona (a reader sees ~1/1000 of the rows) and (b) all
  in one persona scope (a reader sees all of them); in-process and over HTTP
  against ``persona-memory serve`` in its own process;
- the floor: embedding the query alone, with the real local model; every
  search is reported as floor + the rest;
- a baseline in the same run: the first store's vector search (load every
  vector of the visible scopes, then one matrix product), as a ratio;
- ingest: single adds over HTTP (p50/p95) and bulk through
  ``POST /v1/memories/batch`` and ``Memory.add_many`` (memories/s, real model);
- the server's resident memory after its searches.

The corpus is made here: 2,000 distinct fact sentences embedded with the real
model, each memory one of them with a dated suffix and its vector plus a little
noise, so the vectors cluster like real ones. Loading goes through the store's
own transaction (``insert_memories``) with those vectors, so a 100k corpus
builds in seconds rather than the ~8 minutes the model would need.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from persona_memory import Memory, MemoryCreate, PersonaCreate, Settings  # noqa: E402
from persona_memory.bench.retrieval import machine, percentile  # noqa: E402
from persona_memory.core.base import utcnow  # noqa: E402
from persona_memory.core.ids import new_memory_id  # noqa: E402
from persona_memory.core.memories import (  # noqa: E402
    MemoryQuery,
    MemoryRecord,
    SearchFilters,
    memory_query,
)
from persona_memory.core.ports import Embedding, Vectors  # noqa: E402
from persona_memory.core.relationships import new_relationship  # noqa: E402
from persona_memory.core.scope import Scope  # noqa: E402
from persona_memory.core.users import new_user  # noqa: E402
from persona_memory.retrieval.terms import query_terms  # noqa: E402

PERSONA = "bench"
RELATIONSHIPS = 1000
POOL = 2000
QUERIES = 200
BASELINE_QUERIES = 40
LOAD_BATCH = 2000
SEED = 7

NAMES = [
    "Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
    "Ken", "Laura", "Mallory", "Nina", "Oscar", "Peggy", "Quinn", "Rita", "Sam", "Tara",
    "Uma", "Victor", "Wendy", "Xena", "Yusuf", "Zoe", "Omar", "Priya", "Chen", "Lucia",
    "Mateo", "Aisha", "Kofi", "Hana", "Lars", "Ingrid", "Ravi", "Sofia", "Tomas", "Mei",
]  # fmt: skip
FACTS = [  # (fact template, options separated by "|", question template)
    ("is allergic to {}", "peanuts|shellfish|pollen|cats|penicillin|gluten|latex|bees",
     "What is {} allergic to?"),
    ("plays {} on weekends", "tennis|basketball|chess|guitar|football|piano|volleyball|golf",
     "What does {} play on weekends?"),
    ("works as a {}", "nurse|teacher|plumber|lawyer|designer|chef|pilot|accountant",
     "What does {} do for work?"),
    ("grew up in {}", "Denver|Lisbon|Osaka|Nairobi|Toronto|Oslo|Lima|Dublin",
     "Where did {} grow up?"),
    ("wants to learn {}", "Spanish|pottery|sailing|welding|calculus|Japanese|salsa|coding",
     "What does {} want to learn?"),
    ("has a dog named {}", "Biscuit|Luna|Max|Pepper|Rocky|Daisy|Milo|Bella",
     "What is the name of {}'s dog?"),
    ("is saving money for {}", "a house|a wedding|college|a car|a trip|retirement|a boat",
     "What is {} saving money for?"),
    ("gets nervous about {}", "interviews|flying|exams|dentists|heights|crowds|deadlines",
     "What makes {} nervous?"),
    ("loves eating {}", "ramen|tacos|curry|sushi|pizza|dumplings|falafel|paella",
     "What food does {} love?"),
    ("recently moved to {}", "Berlin|Austin|Seoul|Madrid|Boston|Sydney|Prague|Quito",
     "Where did {} move recently?"),
]  # fmt: skip


@dataclass
class Latency:
    p50: float = 0.0
    p95: float = 0.0

    @classmethod
    def of(cls, samples: list[float]) -> Latency:
        return cls(round(percentile(samples, 50), 2), round(percentile(samples, 95), 2))


@dataclass
class SearchResult:
    backend: str
    layout: str
    memories: int
    visible: int
    load_seconds: float
    first_search_ms: float
    text: Latency
    vector: Latency
    hybrid: Latency  # in-process, query embedding excluded
    total: Latency  # in-process, query embedding included
    http: Latency
    baseline_vector: Latency | None
    server_rss_mb: float


@dataclass
class IngestResult:
    backend: str
    http_single_add: Latency
    http_batch_per_second: float
    sdk_add_many_per_second: float


@dataclass
class Report:
    machine: dict[str, str]
    embedding_model: str
    floor: Latency
    fact_chars: float
    searches: list[SearchResult] = field(default_factory=list)
    ingest: list[IngestResult] = field(default_factory=list)


@dataclass
class Corpus:
    facts: list[str]
    fact_vectors: Vectors
    questions: list[str]
    question_vectors: Vectors
    model: str


# --- corpus -------------------------------------------------------------------------------


def sentences(rng: random.Random) -> tuple[list[str], list[str]]:
    """POOL distinct fact sentences and QUERIES questions about the same people."""
    facts: set[str] = set()
    while len(facts) < POOL:
        template, options, _ = rng.choice(FACTS)
        facts.add(f"{rng.choice(NAMES)} {template.format(rng.choice(options.split('|')))}.")
    questions = [rng.choice(FACTS)[2].format(rng.choice(NAMES)) for _ in range(QUERIES)]
    return sorted(facts), questions


def records(count: int, layout: str, corpus: Corpus) -> Iterator[tuple[MemoryRecord, Embedding]]:
    rng, noise, now = random.Random(SEED), np.random.default_rng(SEED), utcnow()
    for n in range(count):
        j = rng.randrange(len(corpus.facts))
        user = f"u{n % RELATIONSHIPS}" if layout == "spread" else None
        scope = Scope.for_owner(PERSONA, user)
        vector = corpus.fact_vectors[j] + noise.normal(0, 0.03, 384).astype(np.float32)
        record = MemoryRecord(
            id=new_memory_id(),
            text=f"{corpus.facts[j][:-1]}, said on day {n % 365}.",
            scope=scope.kind,
            persona_id=PERSONA,
            user_id=user,
            category=None,
            tags=[],
            importance=5,
            metadata={},
            source="bench",
            created_at=now,
            updated_at=now,
        )
        yield record, Embedding(corpus.model, vector / np.linalg.norm(vector))


def load(memory: Memory, count: int, layout: str, corpus: Corpus) -> float:
    memory.personas.create(PersonaCreate(id=PERSONA, name="Bench"))
    started = time.perf_counter()
    with memory.store.transaction() as tx:
        now = utcnow()
        for i in range(RELATIONSHIPS):
            tx.insert_user(new_user(f"u{i}", now))
            tx.insert_relationship(new_relationship(PERSONA, f"u{i}", now))
    batch: list[tuple[MemoryRecord, Embedding]] = []
    for item in records(count, layout, corpus):
        batch.append(item)
        if len(batch) == LOAD_BATCH:
            with memory.store.transaction() as tx:
                tx.insert_memories(batch)
            batch = []
    if batch:
        with memory.store.transaction() as tx:
            tx.insert_memories(batch)
    return time.perf_counter() - started


# --- measuring ----------------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def in_process(memory: Memory, corpus: Corpus, users: list[str]) -> dict[str, Any]:
    queries = [memory_query(PERSONA, user, SearchFilters()) for user in users]
    searcher, model = memory.searcher, corpus.model
    first = timed(
        lambda: searcher.search_embedded(
            corpus.questions[0], corpus.question_vectors[0], queries[0], limit=10
        )
    )
    samples: dict[str, list[float]] = {"text": [], "vector": [], "hybrid": [], "total": []}
    for question, vector, query in zip(
        corpus.questions, corpus.question_vectors, queries, strict=True
    ):
        terms = query_terms(question)
        with memory.store.read() as tx:
            samples["text"].append(timed(lambda: tx.text_search(terms, query, 50)))  # noqa: B023
            samples["vector"].append(
                timed(lambda: tx.vector_search(vector, model, query, 50))  # noqa: B023
            )
        samples["hybrid"].append(
            timed(lambda: searcher.search_embedded(question, vector, query, limit=10))  # noqa: B023
        )
        samples["total"].append(timed(lambda: searcher.search(question, query, limit=10)))  # noqa: B023
    return {"first": first, **{name: Latency.of(values) for name, values in samples.items()}}


def baseline_vector(memory: Memory, corpus: Corpus, queries: list[MemoryQuery]) -> Latency:
    """The first store's way: every vector of the visible scopes, then one product."""
    from sqlalchemy import select

    from persona_memory.storage.predicates import memory_where
    from persona_memory.storage.schema import memories

    engine = memory.store.engine  # type: ignore[attr-defined]
    samples = []
    pairs = list(zip(corpus.question_vectors, queries, strict=True))[:BASELINE_QUERIES]
    for vector, query in pairs:
        started = time.perf_counter()
        with engine.connect() as connection:
            rows = connection.execute(
                select(memories.c.id, memories.c.embedding).where(
                    memory_where(query), memories.c.embedding_model == corpus.model
                )
            ).all()
        if rows:
            matrix = np.stack([row.embedding for row in rows])
            scores = matrix @ vector
            top = np.argpartition(-scores, min(49, len(rows) - 1))[:50]
            _ = [rows[i].id for i in top[np.argsort(-scores[top])]]
        samples.append((time.perf_counter() - started) * 1000)
    return Latency.of(samples)


@contextmanager
def server(database: str) -> Iterator[tuple[http.client.HTTPConnection, int]]:
    """``persona-memory serve`` in its own process, on a free-ish loopback port."""
    port = 18000 + random.randrange(1000)
    env = {**os.environ, "PERSONA_MEMORY_DATABASE_URL": database, "PERSONA_MEMORY_PORT": str(port)}
    env.pop("PERSONA_MEMORY_ADMIN_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "persona_memory", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.3)
        yield connection, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def post(connection: http.client.HTTPConnection, path: str, body: object) -> Any:
    connection.request("POST", path, json.dumps(body), {"content-type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{path} -> {response.status}: {data[:200]!r}")
    return json.loads(data)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def over_http(database: str, corpus: Corpus, users: list[str]) -> tuple[Latency, float]:
    with server(database) as (connection, pid):
        bodies = [
            {"query": question, "persona_id": PERSONA, "user_id": user, "limit": 10}
            for question, user in zip(corpus.questions, users, strict=True)
        ]
        post(connection, "/v1/memories/search", bodies[0])  # loads the scope's index
        samples = [timed(lambda: post(connection, "/v1/memories/search", b)) for b in bodies]  # noqa: B023
        return Latency.of(samples), rss_mb(pid)


def ingest(backend: str, database: str, corpus: Corpus) -> IngestResult:
    facts = corpus.facts
    with server(database) as (connection, _):
        post(connection, "/v1/personas", {"id": "ingest", "name": "Ingest"})
        singles = []
        for i in range(100):
            body = {"text": facts[i], "persona_id": "ingest", "user_id": f"u{i % 50}"}
            singles.append(timed(lambda: post(connection, "/v1/memories", body)))  # noqa: B023
        started = time.perf_counter()
        for start in range(0, 1000, 250):
            items = [
                {"text": text, "persona_id": "ingest", "user_id": f"b{i % 50}"}
                for i, text in enumerate(facts[start : start + 250])
            ]
            post(connection, "/v1/memories/batch", {"memories": items})
        batch_rate = 1000 / (time.perf_counter() - started)
    with Memory(settings=Settings(database_url=database)) as memory:
        memory.embedder.embed(["warm up"])
        items = [
            MemoryCreate(text=text, persona_id="ingest", user_id=f"s{i % 50}")
            for i, text in enumerate(facts[1000:2000])
        ]
        started = time.perf_counter()
        for start in range(0, len(items), 250):
            memory.add_many(items[start : start + 250])
        sdk_rate = len(items) / (time.perf_counter() - started)
    return IngestResult(backend, Latency.of(singles), round(batch_rate), round(sdk_rate))


def scenario(backend: str, url: str, size: int, layout: str, corpus: Corpus) -> SearchResult:
    rng = random.Random(SEED + size)
    users = [f"u{rng.randrange(RELATIONSHIPS)}" for _ in range(QUERIES)]
    with Memory(settings=Settings(database_url=url)) as memory:
        seconds = load(memory, size, layout, corpus)
        visible = len(memory.memories.all(persona_id=PERSONA, user_id=users[0], limit=size + 1))
        measured = in_process(memory, corpus, users)
        baseline = None
        if backend == "sqlite":
            queries = [memory_query(PERSONA, user, SearchFilters()) for user in users]
            baseline = baseline_vector(memory, corpus, queries)
    http_latency, rss = over_http(url, corpus, users)
    return SearchResult(
        backend=backend,
        layout=layout,
        memories=size,
        visible=visible,
        load_seconds=round(seconds, 1),
        first_search_ms=round(measured["first"], 1),
        text=measured["text"],
        vector=measured["vector"],
        hybrid=measured["hybrid"],
        total=measured["total"],
        http=http_latency,
        baseline_vector=baseline,
        server_rss_mb=rss,
    )


# --- the run ------------------------------------------------------------------------------


def databases(backends: list[str], folder: Path) -> Iterator[tuple[str, Callable[[str], str]]]:
    if "sqlite" in backends:
        yield "sqlite", lambda name: str(folder / f"{name}.db")
    if "postgres" in backends:
        from tests.pgserver import start_server

        pg = start_server(folder)
        try:
            yield "postgres", pg.create_database
        finally:
            pg.stop()


def make_corpus() -> tuple[Corpus, Latency]:
    facts, questions = sentences(random.Random(SEED))
    with Memory(":memory:") as probe:
        embedder = probe.embedder
        fact_vectors = embedder.embed(facts)
        embedder.embed(["warm up"])
        floor = [timed(lambda: embedder.embed([q])) for q in questions]  # noqa: B023
        corpus = Corpus(
            facts, fact_vectors, questions, embedder.embed(questions), embedder.model_name
        )
    return corpus, Latency.of(floor)


def run(sizes: list[int], backends: list[str]) -> Report:
    corpus, floor = make_corpus()
    chars = round(sum(map(len, corpus.facts)) / len(corpus.facts), 1)
    report = Report(machine(), corpus.model, floor, chars)
    with tempfile.TemporaryDirectory() as scratch:
        for backend, new_database in databases(backends, Path(scratch)):
            report.ingest.append(ingest(backend, new_database("ingest"), corpus))
            print(json.dumps(asdict(report.ingest[-1])), flush=True)
            for size in sizes:
                for layout in ("spread", "one_scope"):
                    url = new_database(f"{layout}_{size}")
                    report.searches.append(scenario(backend, url, size, layout, corpus))
                    print(json.dumps(asdict(report.searches[-1])), flush=True)
    return report


# --- the report ---------------------------------------------------------------------------


def render(report: Report) -> str:
    floor = report.floor
    rows = [
        "| backend | layout | memories | visible | text p50/p95 | vector p50/p95 "
        "| search excl. embedding p50/p95 | in-process total p50/p95 | HTTP p50/p95 "
        "| HTTP p95 - floor p95 | first search | server RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in report.searches:
        rows.append(
            f"| {s.backend} | {s.layout} | {s.memories:,} | {s.visible:,} "
            f"| {s.text.p50} / {s.text.p95} | {s.vector.p50} / {s.vector.p95} "
            f"| **{s.hybrid.p50} / {s.hybrid.p95}** | {s.total.p50} / {s.total.p95} "
            f"| {s.http.p50} / {s.http.p95} | **{s.http.p95 - floor.p95:.1f}** "
            f"| {s.first_search_ms} ms | {s.server_rss_mb} MB |"
        )
    baseline = []
    for s in report.searches:
        if s.baseline_vector is not None:
            ratio = s.baseline_vector.p95 / max(s.vector.p95, 0.01)
            baseline.append(
                f"| {s.layout} | {s.memories:,} "
                f"| {s.baseline_vector.p50} / {s.baseline_vector.p95} "
                f"| {s.vector.p50} / {s.vector.p95} | {ratio:.0f}x |"
            )
    ingest = [
        f"| {i.backend} | {i.http_single_add.p50} / {i.http_single_add.p95} "
        f"| {i.http_batch_per_second} | {i.sdk_add_many_per_second} |"
        for i in report.ingest
    ]
    machine_line = ", ".join(f"{k}: {v}" for k, v in report.machine.items())
    return "\n".join(
        [
            "# Search and ingest at scale",
            "",
            f"Embedding model {report.embedding_model}; query-embedding floor "
            f"p50 {floor.p50} ms, p95 {floor.p95} ms (one query, one torch thread).",
            "Latencies in ms over 200 questions; each reader is a random one of 1,000 "
            "relationships (spread: ~1/1000 of the rows are visible; one_scope: all of them, "
            "in the persona's scope). `search excl. embedding` is the hybrid search with the "
            "query vector given (top 50 of each ranker, fused, 10 returned); `HTTP p95 - floor "
            "p95` is what the server adds to the embedding. The first search after start "
            "loads the scope's vectors (SQLite); it is reported apart.",
            "",
            *rows,
            "",
            "## Baseline: the first store's vector search (SQLite, same run)",
            "",
            "Every vector of the visible scopes loaded per query, then one matrix product "
            f"({BASELINE_QUERIES} questions).",
            "",
            "| layout | memories | first store p50/p95 | now p50/p95 | p95 ratio |",
            "|---|---|---|---|---|",
            *baseline,
            "",
            "## Ingest (real model)",
            "",
            f"100 single adds, then 1,000 memories in batches of 250, of the corpus's fact "
            f"sentences (mean {report.fact_chars} characters; longer texts embed more slowly: "
            "LoCoMo's ~166-character turns ran at ~130/s in bench/results/retrieval.md).",
            "",
            "| backend | HTTP single add p50/p95 ms | HTTP batch memories/s "
            "| SDK add_many memories/s |",
            "|---|---|---|---|",
            *ingest,
            "",
            f"Machine: {machine_line}.",
            "",
            "Reproduce: `python bench/scale.py` (add `--sizes 10000` for a quick run).",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Search and ingest at scale.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    report = run(args.sizes, args.backends)
    args.out.mkdir(parents=True, exist_ok=True)
    text = render(report)
    (args.out / "scale.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "scale.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
