"""What learning adds on LoCoMo: ``python bench/learning.py``.

    python bench/learning.py [--conversations N] [--sessions N] [--embedder hash]

Writes bench/results/learning.{md,json}. Each LoCoMo conversation (one persona
``locomo``, one user per conversation) is learned session by session, each
memory set in a fresh SQLite file:

- ``raw``: the turns alone, stored as bench/retrieval.py stores them.
- ``named``: one ``memory.learning.ingest`` call per LoCoMo session, every turn
  a message ``role="user", name=<speaker>``, so the facts say "Caroline ..."
  rather than "User ...". Extraction and consolidation are those of a session's
  end; there is no episode.
- ``events``: the same with ``min_fact_importance=3``, so that events (importance
  3) become facts too.
- ``session``: the session pipeline, one live session per LoCoMo session, every
  turn an entry of role ``user`` (entries carry no name: both speakers are
  "User"), ended with flush (episode, transcript, facts). Each end is timed.
- ``llm``: the same sessions with ``llm_base_url`` set to a fake
  OpenAI-compatible server on loopback, which answers at once with the offline
  summary and the offline facts of the same turns: the same writes, reached
  through the LLM path, so the time it adds is its overhead excluding the model.
  Timed, not searched.
- ``first``: as ``named``, but the turns are stored before learning.

The other sets get the turns after learning, so consolidation never compares a
candidate with a raw turn. Every question (categories 1-4, as the retrieval
bench) is searched in each set but ``llm`` (top 10): evidence recall@10 with and
without what was learned.

The embedder is the real local model unless ``--embedder hash``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_openai import FakeOpenAI  # noqa: E402

from persona_memory import Memory, PersonaCreate, Settings  # noqa: E402
from persona_memory.bench.locomo import Conversation, load_locomo, turn_context  # noqa: E402
from persona_memory.bench.retrieval import (  # noqa: E402
    INGEST_BATCH,
    PERSONA,
    Remembering,
    evidence_recall,
    machine,
    percentile,
)
from persona_memory.core.digests import Turn  # noqa: E402
from persona_memory.core.learning import (  # noqa: E402
    Candidate,
    Event,
    IngestRequest,
    LearningEvent,
    Message,
    message_turns,
)
from persona_memory.core.memories import MemoryCreate, MemoryRecord  # noqa: E402
from persona_memory.core.ports import Embedder, Vectors  # noqa: E402
from persona_memory.core.sessions import EntryCreate, SessionCreate  # noqa: E402
from persona_memory.providers.extractors.heuristic import HeuristicExtractor  # noqa: E402
from persona_memory.providers.registry import embedder_from_settings  # noqa: E402
from persona_memory.providers.summarizers.extractive import ExtractiveSummarizer  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "locomo_dev.json"
TOP_K = 10
TURN_SOURCE = "locomo"  # what bench/retrieval.py stores turns with
SETS = ("raw", "named", "events", "session", "first")
LABELS = {
    "raw": "raw turns only",
    "named": "raw turns + facts (ingest, speaker names)",
    "events": "raw turns + facts, events kept (ingest, min importance 3)",
    "session": "raw turns + facts + episodes (sessions, 'User')",
    "first": "raw turns stored first, then facts (ingest, speaker names)",
}
PATHS = {
    "named": "ingest, speaker names",
    "events": "ingest, min importance 3",
    "session": "sessions, 'User'",
    "llm": "sessions, fake LLM",
    "first": "ingest after the raw turns",
}
EXAMPLES = 12
NOTES = [
    "- **Two ways in.** Session entries carry no speaker name, so on the session path both "
    'LoCoMo speakers are role `user` and every fact says "User ..." (and one speaker\'s '
    "single-valued slot can supersede the other's). The ingest path (`memory.learning.ingest`, "
    "one call per LoCoMo session, `name=<speaker>`) runs the same extraction and "
    "consolidation with the names, but writes no episode. Both are reported.",
    "- **Provenance.** A fact counts the turns of the statement that created it (ADD or "
    "SUPERSEDE); a later UPDATE or NOOP adds none. The session path stores them "
    "(`metadata.entry_ids`), ingest the indexes of its messages "
    "(`metadata.message_indexes`); the bench takes them from the candidates of the same, "
    "deterministic extractor on the same messages, matched by text. An episode "
    "counts no turn: the session row is a lower bound for what episodes bring.",
    "- **Displacement.** Every learned memory in the top 10 takes the place of a raw turn: "
    "a fact raises recall only when it carries evidence that the turn it pushed out did not.",
    "- **Order.** The turns are stored after learning, except in set `first`. Consolidation "
    "compares a candidate with every current non-episode memory of the relationship, raw "
    "turns included: with the turns stored first, many candidates NOOP against the turn they "
    "came from (reinforcing it; a memory written through the API is never merged into) "
    'instead of becoming facts (column "of which on a raw turn").',
    "- **Search.** `memory.search(question, limit=10)`, hybrid. The retrieval bench asks for "
    "50 and cuts at 10; that is the same for raw turns (one importance), but facts carry "
    "importance 4-9 and decay weighting reorders only the first max(2 x limit, 20) fused "
    "candidates. Each memory set is its own SQLite file (BM25 statistics included), while "
    "bench/retrieval.py puts all conversations in one: its raw figure can differ slightly.",
    "- **Dates.** LoCoMo sessions are dated; here every session happens now, so a fact's "
    '"yesterday" or "last year" stays relative, as in the raw turns.',
    "- **The LLM path.** The fake server answers at once with the offline summary and facts "
    "of the same turns, so both paths write the same memories (the table above shows equal "
    "events). The LLM path skips the offline summary and extraction and adds two HTTP calls, "
    "a prompt and JSON parsing: with an instant model it can be faster than the heuristic "
    "path. A real model adds its generation time, typically seconds, on top.",
    "- **Latency** includes embedding the summary and the facts, the neighbour searches of "
    "consolidation and the write transaction; the relationship grows session by session.",
]


# --- the data -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One LoCoMo turn as said: the speaker and the text apart (no photo caption)."""

    dia_id: str
    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class Sample:
    conversation: Conversation  # the raw turns and questions, as the retrieval bench reads them
    sessions: list[list[Line]]


def load_samples(path: Path, conversations: int | None, sessions: int | None) -> list[Sample]:
    """The first ``conversations`` conversations, each cut to its first ``sessions``
    sessions (then only the questions whose evidence lies in them are kept)."""
    loaded = load_locomo(path, conversations)
    raw = json.loads(path.read_text(encoding="utf-8"))
    samples = []
    for data, conversation in zip(raw[: len(loaded)], loaded, strict=True):
        talk = data["conversation"]
        found: list[list[Line]] = []
        while f"session_{len(found) + 1}" in talk and (sessions is None or len(found) < sessions):
            turns = talk[f"session_{len(found) + 1}"]
            found.append([Line(t["dia_id"], t["speaker"], t["text"]) for t in turns])
        if sessions is not None:
            kept = {line.dia_id for lines in found for line in lines}
            conversation = Conversation(
                conversation.sample_id,
                [turn for turn in conversation.turns if turn.dia_id in kept],
                [q for q in conversation.questions if q.evidence <= kept],
            )
        samples.append(Sample(conversation, found))
    return samples


# --- what is measured ------------------------------------------------------------


@dataclass
class Learned:
    """One learning path's extraction, per session."""

    candidates: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)  # importance >= min_fact_importance
    new: list[int] = field(default_factory=list)  # ADD + SUPERSEDE: memories written
    events: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)  # below the threshold
    stored: list[int] = field(default_factory=list)  # current facts per conversation at the end
    unmapped: int = 0  # facts whose source turns could not be found
    on_turns: Counter[str] = field(default_factory=Counter)  # events whose memory is a raw turn

    def session(
        self, candidates: Sequence[Candidate], events: Sequence[LearningEvent], threshold: int
    ) -> None:
        kept = [c for c in candidates if c.importance >= threshold]
        self.candidates.append(len(candidates))
        self.kept.append(len(kept))
        self.events.update(e.event.value for e in events)
        self.new.append(sum(e.event in (Event.ADD, Event.SUPERSEDE) for e in events))
        self.categories.update(c.category for c in candidates)
        self.dropped.update(c.category for c in candidates if c.importance < threshold)

    def report(self) -> dict[str, Any]:
        return {
            "sessions": len(self.candidates),
            "candidates_per_session": per_session(self.candidates),
            "kept_per_session": per_session(self.kept),
            "new_memories_per_session": per_session(self.new),
            "events": dict(sorted(self.events.items())),
            "candidates_by_category": dict(self.categories.most_common()),
            "below_importance_by_category": dict(self.dropped.most_common()),
            "current_facts_per_conversation": self.stored,
            "facts_without_source": self.unmapped,
            "events_on_raw_turns": dict(sorted(self.on_turns.items())),
        }


@dataclass
class Recall:
    """Evidence recall@10 of one memory set, over every question."""

    recalls: list[float] = field(default_factory=list)
    by_category: dict[int, list[float]] = field(default_factory=dict)
    learned_in_top: list[int] = field(default_factory=list)  # hits that are not raw turns
    coverage: list[float] = field(default_factory=list)  # evidence that some fact came from

    def report(self) -> dict[str, Any]:
        return {
            "recall_at_10": mean(self.recalls),
            "by_category": {
                str(k): {"recall_at_10": mean(v), "questions": len(v)}
                for k, v in sorted(self.by_category.items())
            },
            "learned_in_top_10": mean([float(n) for n in self.learned_in_top]),
            "evidence_covered_by_facts": mean(self.coverage) if self.coverage else None,
        }


@dataclass
class Run:
    learned: dict[str, Learned] = field(default_factory=lambda: {p: Learned() for p in PATHS})
    recall: dict[str, Recall] = field(default_factory=lambda: {s: Recall() for s in SETS})
    times: dict[str, list[float]] = field(
        default_factory=lambda: {
            "heuristic": [],
            "llm": [],
            "offline": [],
            "llm_calls": [],
            "ingest": [],
        }
    )
    examples: list[str] = field(default_factory=list)
    conversations: int = 0
    turns: int = 0
    questions: int = 0


def per_session(values: list[int]) -> dict[str, float]:
    return {
        "mean": round(mean([float(v) for v in values]), 2),
        "p50": percentile([float(v) for v in values], 50),
        "max": max(values, default=0),
        "total": sum(values),
    }


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def stats(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "n": len(values),
    }


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


# --- one conversation ---------------------------------------------------------------


class Reusing(Remembering):
    """The shared embedder, which remembers vectors while :meth:`remembering`: the
    turns and questions are embedded once per conversation, not once per memory
    set. Never while learning, which is what is timed."""

    def __init__(self, embedder: Embedder) -> None:
        super().__init__(embedder)
        self._on = False

    def embed(self, texts: Sequence[str]) -> Vectors:
        return super().embed(texts) if self._on else self.embedder.embed(texts)

    @contextmanager
    def remembering(self) -> Iterator[None]:
        self._on = True
        try:
            yield
        finally:
            self._on = False


def open_memory(settings: Settings, folder: Path, embedder: Embedder) -> Memory:
    """A fresh memory in its own SQLite file, with the persona."""
    folder.mkdir()
    settings = settings.model_copy(update={"database_url": str(folder / "memory.db")})
    memory = Memory(settings=settings, embedder=embedder)
    memory.personas.create(PersonaCreate(id=PERSONA, name="LoCoMo"))
    return memory


def learn_named(
    memory: Memory,
    sample: Sample,
    learned: Learned,
    run: Run,
    *,
    examples: bool = False,
    turn_ids: Collection[str] = (),
) -> dict[str, list[str]]:
    """Ingest each LoCoMo session with the speakers' names; the dia_ids each new
    fact came from. Ingest stores no provenance, so it is taken from the
    candidates: the same extractor run on the same messages (it is deterministic)
    gives each fact's text and its turns, and an ADD or SUPERSEDE writes the
    candidate's text."""
    user = sample.conversation.sample_id
    sources: dict[str, list[str]] = {}
    for lines in sample.sessions:
        messages = [Message(role="user", name=line.speaker, content=line.text) for line in lines]
        candidates = memory.extractor.extract(message_turns(messages))
        request = IngestRequest(persona_id=PERSONA, user_id=user, messages=messages)
        started = time.perf_counter()
        events = memory.learning.ingest(request)
        if examples:
            run.times["ingest"].append((time.perf_counter() - started) * 1000)
        learned.session(candidates, events, memory.settings.min_fact_importance)
        by_text = {c.text: c for c in candidates}
        learned.on_turns.update(e.event.value for e in events if e.memory_id in turn_ids)
        for event in events:
            if event.event not in (Event.ADD, Event.SUPERSEDE) or event.memory_id is None:
                continue
            source = by_text.get(event.text)
            if source is None:
                learned.unmapped += 1
                continue
            sources[event.memory_id] = [lines[i].dia_id for i in source.turns]
            if examples and len(run.examples) < EXAMPLES:
                run.examples.append(f"{event.text} ({', '.join(sources[event.memory_id])})")
    return sources


def learn_sessions(
    heuristic: Memory, llm: Memory, fake: FakeOpenAI, sample: Sample, run: Run
) -> dict[int, str]:
    """Each LoCoMo session as a live session of both memories, ended with flush
    and timed; the dia_id of every entry of ``heuristic``."""
    user = sample.conversation.sample_id
    extractor, summarizer = HeuristicExtractor(), ExtractiveSummarizer()
    threshold = heuristic.settings.min_fact_importance
    entry_dia: dict[int, str] = {}
    for number, lines in enumerate(sample.sessions):
        entries = [EntryCreate(role="user", content=line.text) for line in lines]
        turns = [Turn("user", line.text) for line in lines]
        # The baseline: what the offline path computes (and the LLM path asks for).
        started = time.perf_counter()
        digest = summarizer.summarize(turns)
        candidates = extractor.extract(turns)
        run.times["offline"].append((time.perf_counter() - started) * 1000)
        # What the fake model answers: the summary, then the facts (learn_session's order).
        replies = [
            digest.model_dump_json(),
            json.dumps({"facts": [c.model_dump(mode="json") for c in candidates]}),
        ]
        fake.script.extend(replies)
        ids = {}
        for name, memory in (("heuristic", heuristic), ("llm", llm)):
            sid = memory.sessions.start(SessionCreate(persona_id=PERSONA, user_id=user)).id
            added = memory.sessions.add_entries(sid, entries)
            if memory is heuristic:
                entry_dia |= {e.id: line.dia_id for e, line in zip(added, lines, strict=True)}
            ids[name] = sid
        # Alternate which path goes first, so neither always runs on a warmer cache.
        order = ("heuristic", "llm") if number % 2 == 0 else ("llm", "heuristic")
        for name in order:
            memory = heuristic if name == "heuristic" else llm
            run.times[name].append(timed(partial(memory.sessions.end, ids[name], flush=True)))
        if fake.script:
            raise RuntimeError("the LLM path did not ask for both the summary and the facts")
        # The other baseline: the two model calls alone (HTTP, prompt, JSON parsing).
        fake.script.extend(replies)
        run.times["llm_calls"].append(timed(partial(ask_model, llm, turns)))
        for learned, memory, sid in (
            (run.learned["session"], heuristic, ids["heuristic"]),
            (run.learned["llm"], llm, ids["llm"]),
        ):
            events = memory.sessions.get(sid).extracted_facts or []
            learned.session(candidates, events, threshold)
    return entry_dia


def ask_model(memory: Memory, turns: Sequence[Turn]) -> None:
    memory.summarizer.summarize(turns)
    memory.extractor.extract(turns)


def current_facts(memory: Memory, user: str) -> list[MemoryRecord]:
    """The relationship's current facts (not episodes), before any raw turn is stored."""
    return memory.learning.facts(PERSONA, user, limit=100_000)


def add_turns(memory: Memory, conversation: Conversation, *, context: bool = False) -> set[str]:
    """The turns as bench/retrieval.py stores them: one memory each, with its dia_id
    and (``context``) its session's date and neighbouring turns; their memory ids."""
    turns = conversation.turns
    items = [
        MemoryCreate(
            text=turn.text,
            persona_id=PERSONA,
            user_id=conversation.sample_id,
            metadata={"dia_id": turn.dia_id},
            source=TURN_SOURCE,
            context=turn_context(turns, index) if context else None,
        )
        for index, turn in enumerate(turns)
    ]
    ids: set[str] = set()
    for start in range(0, len(items), INGEST_BATCH):
        ids |= {r.id for r in memory.memories.add_many(items[start : start + INGEST_BATCH])}
    return ids


def hit_dia_ids(
    hit: MemoryRecord, facts: Mapping[str, list[str]], entries: Mapping[int, str]
) -> list[str]:
    """The turns a hit stands for: a raw turn its own; a fact the turns of the
    statement that created it; an episode none (it summarises a whole session)."""
    dia_id = hit.metadata.get("dia_id")
    if hit.source == TURN_SOURCE and isinstance(dia_id, str):
        return [dia_id]
    if hit.id in facts:
        return facts[hit.id]
    entry_ids = hit.metadata.get("entry_ids")
    if isinstance(entry_ids, list):
        return [entries[i] for i in entry_ids if isinstance(i, int) and i in entries]
    return []


def evaluate(
    name: str,
    memory: Memory,
    sample: Sample,
    run: Run,
    facts: Mapping[str, list[str]],
    entries: Mapping[int, str],
    covered: set[str] | None,
) -> None:
    result = run.recall[name]
    for question in sample.conversation.questions:
        hits = memory.search(
            question.text,
            persona_id=PERSONA,
            user_id=sample.conversation.sample_id,
            limit=TOP_K,
            min_score=0,  # recall of the ranking: keep every candidate
        ).results[:TOP_K]
        ranked = [dia for hit in hits for dia in hit_dia_ids(hit, facts, entries)]
        recall = evidence_recall(ranked, question.evidence)
        result.recalls.append(recall)
        result.by_category.setdefault(question.category, []).append(recall)
        result.learned_in_top.append(sum(hit.source != TURN_SOURCE for hit in hits))
        if covered is not None:
            result.coverage.append(evidence_recall(sorted(covered), question.evidence))


def run_conversation(
    sample: Sample, settings: Settings, embedder: Reusing, fake: FakeOpenAI, run: Run
) -> None:
    user = sample.conversation.sample_id
    with tempfile.TemporaryDirectory(prefix="bench-learning-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        llm_settings = settings.model_copy(update={"llm_base_url": fake.url, "llm_retries": 0})
        raw = stack.enter_context(open_memory(settings, folder / "raw", embedder))
        named = stack.enter_context(open_memory(settings, folder / "named", embedder))
        events_settings = settings.model_copy(update={"min_fact_importance": 3})
        events = stack.enter_context(open_memory(events_settings, folder / "events", embedder))
        session = stack.enter_context(open_memory(settings, folder / "session", embedder))
        llm = stack.enter_context(open_memory(llm_settings, folder / "llm", embedder))
        first = stack.enter_context(open_memory(settings, folder / "first", embedder))

        named_sources = learn_named(named, sample, run.learned["named"], run, examples=True)
        events_sources = learn_named(events, sample, run.learned["events"], run)
        with embedder.remembering():
            turn_ids = add_turns(first, sample.conversation)
        first_sources = learn_named(first, sample, run.learned["first"], run, turn_ids=turn_ids)
        entry_dia = learn_sessions(session, llm, fake, sample, run)
        fallbacks = [
            getattr(llm.summarizer, "fallbacks", 0),
            getattr(llm.extractor, "fallbacks", 0),
        ]
        if any(fallbacks):
            raise RuntimeError(f"the LLM path fell back offline: {fallbacks}")

        sets = {
            "raw": (raw, {}, {}),
            "named": (named, named_sources, {}),
            "events": (events, events_sources, {}),
            "session": (session, {}, entry_dia),
            "first": (first, first_sources, {}),
        }
        covered: dict[str, set[str] | None] = {"raw": None}
        for name, (memory, sources, entries) in sets.items():
            if name != "raw":
                facts = [f for f in current_facts(memory, user) if f.source != TURN_SOURCE]
                run.learned[name].stored.append(len(facts))
                covered[name] = {d for f in facts for d in hit_dia_ids(f, sources, entries)}
        run.learned["llm"].stored.append(len(current_facts(llm, user)))

        with embedder.remembering():
            for name, (memory, sources, entries) in sets.items():
                if name != "first":
                    add_turns(memory, sample.conversation)
                evaluate(name, memory, sample, run, sources, entries, covered[name])
        embedder.forget()
    run.conversations += 1
    run.turns += len(sample.conversation.turns)
    run.questions += len(sample.conversation.questions)


# --- the report ---------------------------------------------------------------------


def results(
    run: Run, args: argparse.Namespace, embedding_model: str, seconds: float
) -> dict[str, Any]:
    heuristic, llm = run.times["heuristic"], run.times["llm"]
    return {
        "machine": machine(),
        "embedder": args.embedder,
        "embedding_model": embedding_model,
        "command": command(args),
        "conversations": run.conversations,
        "sessions_limit": args.sessions,
        "sessions": len(heuristic),
        "turns": run.turns,
        "questions": run.questions,
        "seconds": round(seconds, 1),
        "recall": {name: run.recall[name].report() for name in SETS},
        "extraction": {name: learned.report() for name, learned in run.learned.items()},
        "latency_ms": {
            "end_with_flush_heuristic": stats(heuristic),
            "end_with_flush_llm_fake": stats(llm),
            "baseline_offline_summarise_extract": stats(run.times["offline"]),
            "baseline_fake_llm_calls": stats(run.times["llm_calls"]),
            "ingest_per_session": stats(run.times["ingest"]),
        },
        "llm_vs_heuristic_p50": ratio(percentile(llm, 50), percentile(heuristic, 50)),
        "llm_vs_heuristic_p95": ratio(percentile(llm, 95), percentile(heuristic, 95)),
        "examples": run.examples,
    }


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else 0.0


def command(args: argparse.Namespace) -> str:
    parts = ["python bench/learning.py"]
    if args.conversations is not None:
        parts.append(f"--conversations {args.conversations}")
    if args.sessions is not None:
        parts.append(f"--sessions {args.sessions}")
    if args.embedder != "sentence-transformers":
        parts.append(f"--embedder {args.embedder}")
    return " ".join(parts)


def render(r: dict[str, Any]) -> str:
    recall, extraction, latency = r["recall"], r["extraction"], r["latency_ms"]
    base = recall["raw"]["recall_at_10"]
    categories = sorted(recall["raw"]["by_category"])
    rows = [
        "# Learning on LoCoMo",
        "",
        f"`{r['command']}` reproduces it ({r['seconds']} s). "
        f"Machine: {', '.join(f'{k} {v}' for k, v in r['machine'].items())}. "
        f"Embedder: {r['embedder']} ({r['embedding_model']}). "
        f"{r['sessions']} sessions, {r['turns']} turns and {r['questions']} questions "
        "(categories 1-4) of the LoCoMo dev set; each memory set of each conversation is a "
        "fresh SQLite file.",
        "",
        "## Evidence recall@10",
        "",
        "Each question is searched (hybrid, top 10) in each memory set of its conversation. "
        "A raw turn counts its dia_id; a fact counts the turns of the statement that created it; "
        "an episode counts nothing.",
        "",
        "| set | memory set | R@10 | vs raw | learned memories in the top 10 "
        "| evidence some fact came from |",
        "|---|---|---|---|---|---|",
    ]
    for name in SETS:
        m = recall[name]
        covered = m["evidence_covered_by_facts"]
        rows.append(
            f"| `{name}` | {LABELS[name]} | {m['recall_at_10']:.3f} "
            f"| {ratio(m['recall_at_10'], base)} "
            f"| {m['learned_in_top_10']:.2f} | {'-' if covered is None else f'{covered:.3f}'} |"
        )
    rows += [
        "",
        "By LoCoMo question category:",
        "",
        "| category | questions | " + " | ".join(f"`{name}`" for name in SETS) + " |",
        "|---|---|" + "---|" * len(SETS),
    ]
    for category in categories:
        cells = [f"{recall[name]['by_category'][category]['recall_at_10']:.3f}" for name in SETS]
        count = recall["raw"]["by_category"][category]["questions"]
        rows.append(f"| {category} | {count} | " + " | ".join(cells) + " |")
    rows += [
        "",
        "## Extracted memories per session",
        "",
        "Candidates: what the offline extractor found. Kept: importance >= "
        "`PERSONA_MEMORY_MIN_FACT_IMPORTANCE` (4 by default, 3 for the second row); the rest "
        "stays in the episode only. "
        "New: ADD + SUPERSEDE events, the memories written.",
        "",
        "| path | sessions | candidates / session | kept / session | new / session (p50, max) "
        "| events | of which on a raw turn | current facts per conversation |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, label in PATHS.items():
        e = extraction[name]
        new = e["new_memories_per_session"]
        events = ", ".join(f"{k} {v}" for k, v in e["events"].items())
        on_turns = ", ".join(f"{k} {v}" for k, v in e["events_on_raw_turns"].items()) or "-"
        rows.append(
            f"| {label} | {e['sessions']} | {e['candidates_per_session']['mean']} "
            f"| {e['kept_per_session']['mean']} | {new['mean']} ({new['p50']:g}, {new['max']}) "
            f"| {events} | {on_turns} "
            f"| {', '.join(map(str, e['current_facts_per_conversation']))} |"
        )
    named = extraction["named"]
    rows += [
        "",
        "Candidates by category (ingest path), and how many fell below the importance threshold:",
        "",
        "| category | candidates | below threshold |",
        "|---|---|---|",
    ]
    for category, count in named["candidates_by_category"].items():
        dropped = named["below_importance_by_category"].get(category, 0)
        rows.append(f"| {category} | {count} | {dropped} |")
    if r["examples"]:
        rows += ["", "The first facts the ingest path wrote (source dia_ids):", ""]
        rows += [f"- {example}" for example in r["examples"]]
    rows += [
        "",
        "## End with flush, per session",
        "",
        "| path | p50 | p95 | vs heuristic p50 | vs heuristic p95 |",
        "|---|---|---|---|---|",
        f"| heuristic (inline learning) | {latency['end_with_flush_heuristic']['p50']} ms "
        f"| {latency['end_with_flush_heuristic']['p95']} ms | 1.0 | 1.0 |",
        f"| LLM path, fake server answering at once "
        f"| {latency['end_with_flush_llm_fake']['p50']} ms "
        f"| {latency['end_with_flush_llm_fake']['p95']} ms | {r['llm_vs_heuristic_p50']} "
        f"| {r['llm_vs_heuristic_p95']} |",
        f"| baseline: offline summary + extraction alone, no writes "
        f"| {latency['baseline_offline_summarise_extract']['p50']} ms "
        f"| {latency['baseline_offline_summarise_extract']['p95']} ms | | |",
        f"| baseline: the two fake model calls alone (HTTP, prompt, parsing) "
        f"| {latency['baseline_fake_llm_calls']['p50']} ms "
        f"| {latency['baseline_fake_llm_calls']['p95']} ms | | |",
        f"| ingest of one LoCoMo session (named path) | {latency['ingest_per_session']['p50']} ms "
        f"| {latency['ingest_per_session']['p95']} ms | | |",
        "",
        "## What the numbers mean, and their limits",
        "",
        *NOTES,
    ]
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="LoCoMo JSON file")
    parser.add_argument("--conversations", type=int, default=None, help="only the first N")
    parser.add_argument("--sessions", type=int, default=None, help="only each one's first N")
    parser.add_argument("--embedder", default=Settings.model_fields["embedder"].default)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    settings = Settings(embedder=args.embedder)
    embedder = Reusing(embedder_from_settings(settings))
    embedder.embed(["warm up"])  # the first model load is not measured
    run = Run()
    try:
        with FakeOpenAI() as fake:
            for sample in load_samples(args.data, args.conversations, args.sessions):
                run_conversation(sample, settings, embedder, fake, run)
                print(sample.conversation.sample_id, "done", file=sys.stderr)
    finally:
        close = getattr(embedder.embedder, "close", None)
        if close is not None:
            close()
    report = results(run, args, embedder.model_name, time.perf_counter() - started)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "learning.json").write_text(json.dumps(report, indent=2) + "\n")
    text = render(report)
    (args.out / "learning.md").write_text(text)
    print(text)
    return report


if __name__ == "__main__":
    main()
