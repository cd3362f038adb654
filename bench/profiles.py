"""Profile load, save and persona switch at scale: ``python bench/profiles.py``.

Writes bench/results/profiles.md (issue 16, item 5). A store of N users x 5
personas (default 10,000 users: 50,000 relationships, each with a profile of
three categories), then p50/p95 of, in-process and over HTTP:

- load: ``memory.profiles.get`` / ``GET .../relationships/{uid}/profile``;
- save: a deep merge into one category, ``memory.profiles.update(..., "merge")``
  / ``PATCH`` the same;
- persona switch: making a handle, ``memory.for_relationship(p, u)``, alone;
  and a switch with its first read (a new handle's ``profile()`` for the next
  persona of the same user) beside a plain load. Over HTTP the persona is in
  the URL, so a switch is the next persona's GET right after a PATCH.

Against seed 001's targets, our 10x in-process targets, and a baseline in the
same run: seed 001's own store, one JSON file per user per persona folder
(``json.load`` / ``json.dump``), whose ``set_persona()`` flushes the dirty
profiles and clears its cache.

Then migration throughput: N flat ``user_{n}.json`` files (seed 001's shape,
three facts each) through ``memory.profile_migrations.migrate`` into a new
SQLite store, and the ``reindex`` that embeds their facts afterwards, against
seed 001's own migration (each file copied into a persona folder, both read
back with ``json.load`` and compared).

``--quick`` runs 50 users and a few samples and writes nothing.
``--database-url postgresql+psycopg://...`` runs on an empty PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from persona_memory import Memory, PersonaCreate, Settings  # noqa: E402
from persona_memory.bench.retrieval import machine, percentile  # noqa: E402
from persona_memory.core.profile_migration import DEFAULT_PERSONA  # noqa: E402
from persona_memory.core.profile_service import change_profile  # noqa: E402
from persona_memory.core.profiles import Categories, deep_merge  # noqa: E402
from persona_memory.storage.legacy_profiles import profile_files  # noqa: E402

PERSONAS = ["brad", "sage", "bjorn", "pi", "scav"]
BUILD_BATCH = 1000
INDEX_PROFILES = 100
SEED = 16
# p95 targets in ms: seed 001's, and ours in-process (10x better)
SEED_TARGETS = {"load": 10.0, "save": 5.0, "switch": 1.0}
OUR_TARGETS = {"load": 1.0, "save": 0.5, "switch": 0.1}
LEGACY_FACTS = 3
# The bench's embedder, then the library's default (offline, shipped): reindex with each.
REINDEX_EMBEDDERS = ("hash", "static")
WORDS = ["V2 word order", "en/ett", "past tense", "prepositions", "plurals", "modal verbs"]
CITIES = ["Oslo", "Lima", "Osaka", "Denver", "Dublin", "Nairobi"]
FACTS = [
    "Practises Norwegian every morning",
    "Moved to Oslo for work",
    "Mixes up en and ett",
    "Wants to pass the B2 exam",
    "Likes cooking fish soup",
    "Has a daughter at a Norwegian school",
]


Times = dict[str, list[float]]


@dataclass(frozen=True)
class Rate:
    """A step of the migration: how long it took for ``profiles`` files."""

    step: str
    seconds: float
    profiles: int
    baseline_s: float | None = None


@dataclass(frozen=True)
class Row:
    operation: str
    path: str
    samples: list[float]
    baseline: list[float] | None = None
    target: str | None = None  # which targets apply: a key of SEED_TARGETS


# --- data -------------------------------------------------------------------------------


def profile_of(rng: random.Random, user: str) -> dict[str, dict[str, Any]]:
    """Three categories, ~300 bytes of JSON: what seed 002's tutor keeps."""
    return {
        "personal_info": {
            "name": user.title(),
            "city": rng.choice(CITIES),
            "goal": {"exam": rng.choice(["A2", "B1", "B2"]), "month": rng.randrange(1, 13)},
        },
        "areas_to_improve": {"grammar": rng.sample(WORDS, 3), "speaking": "hesitant"},
        "knowledge_strengths": {"vocabulary": rng.randrange(500, 5000), "topics": ["food"]},
    }


def users(count: int) -> list[str]:
    return [f"user{n:05d}" for n in range(count)]


def build_store(memory: Memory, people: list[str]) -> float:
    """Every relationship with its profile; seconds taken.

    Through ``change_profile``, the function ``profiles.put`` runs (relationship,
    private blocks, profile, history), but 1,000 relationships to a transaction:
    one commit each (``profiles.put`` in a loop) took 5.8 ms a relationship
    against 4.1 ms here, ~1.5 minutes more for 50,000.
    """
    for persona in PERSONAS:
        memory.personas.create(PersonaCreate(id=persona, name=persona.title()))
    rng, started = random.Random(SEED), time.perf_counter()
    pairs = [(persona, user) for user in people for persona in PERSONAS]
    for start in range(0, len(pairs), BUILD_BATCH):
        with memory.store.transaction() as tx:
            for persona, user in pairs[start : start + BUILD_BATCH]:
                change_profile(tx, persona, user, putting(profile_of(rng, user)), "PUT")
    return time.perf_counter() - started


def putting(categories: Categories) -> Callable[[object, Categories], Categories]:
    """``profiles.put``'s change: each category given replaces the stored one."""
    return lambda _schema, current: {**current, **categories}


def build_files(root: Path, people: list[str]) -> float:
    """Seed 001's layout: ``{root}/{persona}/user_{id}.json``; seconds taken."""
    rng, started = random.Random(SEED), time.perf_counter()
    for persona in PERSONAS:
        (root / persona).mkdir(parents=True)
    for user in people:
        for persona in PERSONAS:
            with (root / persona / f"user_{user}.json").open("w") as out:
                json.dump(profile_of(rng, user), out)
    return time.perf_counter() - started


def legacy_profile(rng: random.Random, n: int) -> dict[str, Any]:
    """One of seed 001's flat profile files: three dated facts and an interest."""
    facts = [
        {"fact": f"{fact} (note {n}.{i})", "timestamp": f"2025-01-{i + 1:02d}T10:00:00"}
        for i, fact in enumerate(rng.sample(FACTS, LEGACY_FACTS))
    ]
    return {
        "user_id": f"{100_000 + n}",
        "username": f"learner{n}",
        "facts": facts,
        "interests": [rng.choice(WORDS)],
    }


def build_legacy(folder: Path, count: int) -> None:
    """``count`` flat ``user_{n}.json`` files in ``folder``."""
    rng = random.Random(SEED)
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"user_{n}.json").write_text(json.dumps(legacy_profile(rng, n)))


def merge_patch(rng: random.Random) -> dict[str, Any]:
    return {"grammar": rng.sample(WORDS, 2), "last_seen": rng.randrange(10**6)}


# --- seed 001's store, the baseline ------------------------------------------------------


class FileProfiles:
    """One JSON file per user per persona, a per-persona cache, and ``set_persona``
    that flushes dirty profiles before switching (seed 001)."""

    def __init__(self, root: Path) -> None:
        self.root, self.persona = root, PERSONAS[0]
        self.cache: dict[str, dict[str, Any]] = {}
        self.dirty: set[str] = set()

    def path(self, user: str) -> Path:
        return self.root / self.persona / f"user_{user}.json"

    def load(self, user: str) -> dict[str, Any]:
        with self.path(user).open() as file:
            profile: dict[str, Any] = json.load(file)
        return profile

    def write(self, user: str, profile: dict[str, Any]) -> None:
        with self.path(user).open("w") as out:
            json.dump(profile, out)

    def save(self, user: str, category: str, data: dict[str, Any]) -> None:
        profile = self.load(user)
        profile[category] = deep_merge(profile.get(category, {}), data)
        self.write(user, profile)

    def touch(self, user: str, category: str, data: dict[str, Any]) -> None:
        """A change left in the cache, as the seed's save does until its flush."""
        profile = self.cache.get(user) or self.load(user)
        profile[category] = deep_merge(profile.get(category, {}), data)
        self.cache[user] = profile
        self.dirty.add(user)

    def set_persona(self, persona: str) -> None:
        for user in self.dirty:
            self.write(user, self.cache[user])
        self.dirty.clear()
        self.cache.clear()
        self.persona = persona

    def rebuild_index(self, persona: str, people: list[str]) -> None:
        """The seed's ``_index_cache.pkl`` over these users' profiles of one persona."""
        folder, index = self.root / persona, {}
        for user in people:
            with (folder / f"user_{user}.json").open() as file:
                index[user] = json.load(file)["personal_info"]["name"]
        (folder / "_index_cache.pkl").write_bytes(pickle.dumps(index))


# --- timing ------------------------------------------------------------------------------


def timed(action: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    action(*args)
    return (time.perf_counter() - start) * 1000


def picks(people: list[str], count: int) -> list[tuple[int, str]]:
    """``count`` random (persona index, user) pairs, the same in every run."""
    rng = random.Random(SEED + 1)
    return [(rng.randrange(len(PERSONAS)), rng.choice(people)) for _ in range(count)]


def switch_and_load(memory: Memory, persona: str, user: str) -> object:
    return memory.for_relationship(persona, user).profile()


def in_process(memory: Memory, people: list[str], samples: int) -> dict[str, list[float]]:
    rng = random.Random(SEED)
    times: Times = {k: [] for k in ("load", "save", "handle", "switch")}
    for p, user in picks(people, samples):
        persona, following = PERSONAS[p], PERSONAS[(p + 1) % len(PERSONAS)]
        times["load"].append(timed(memory.profiles.get, persona, user))
        patch = merge_patch(rng)
        times["save"].append(
            timed(memory.profiles.update, persona, user, "areas_to_improve", patch)
        )
        times["handle"].append(timed(memory.for_relationship, following, user))
        times["switch"].append(timed(switch_and_load, memory, following, user))
    return times


def switch_files(files: FileProfiles, persona: str, user: str) -> object:
    files.set_persona(persona)
    return files.load(user)


def baseline(files: FileProfiles, people: list[str], samples: int) -> dict[str, list[float]]:
    rng = random.Random(SEED)
    times: Times = {k: [] for k in ("load", "save", "switch", "switch_load")}
    for p, user in picks(people, samples):
        files.set_persona(PERSONAS[p])
        times["load"].append(timed(files.load, user))
        patch = merge_patch(rng)
        times["save"].append(timed(files.save, user, "areas_to_improve", patch))
        # What the switch must flush: another user's change, so it does not rewrite the
        # file just saved (ext4 then forces the pending write out: ~1 ms more).
        files.touch(rng.choice(people), "areas_to_improve", merge_patch(rng))
        following = PERSONAS[(p + 1) % len(PERSONAS)]
        times["switch"].append(timed(files.set_persona, following))
        files.touch(user, "areas_to_improve", merge_patch(rng))
        times["switch_load"].append(timed(switch_files, files, PERSONAS[p], user))
    some = people[:INDEX_PROFILES]
    times["index"] = [timed(files.rebuild_index, PERSONAS[0], some) for _ in range(20)]
    return times


# --- migration -----------------------------------------------------------------------------


def seed_migration(folder: Path) -> float:
    """Seed 001's migration of a flat folder: each file copied into the persona's
    folder, then both read with ``json.load`` and compared; seconds taken."""
    started = time.perf_counter()
    target = folder / DEFAULT_PERSONA
    target.mkdir()
    for source in sorted(folder.glob("user_*.json")):
        copy = target / source.name
        shutil.copy2(source, copy)
        with source.open() as original, copy.open() as copied:
            if json.load(original) != json.load(copied):
                raise RuntimeError(f"{copy} does not match {source}")
    return time.perf_counter() - started


def migration(folder: Path, count: int) -> list[Rate]:
    """Ours, then the seed's, on the same ``count`` files; then reindex with each
    embedder. A store of its own (SQLite, ``hash`` embedder): migrate stores no
    vectors, so the embedder is only the reindex's."""
    legacy = folder / "legacy"
    build_legacy(legacy, count)
    url = str(folder / "migrated.db")
    settings = Settings(database_url=url, embedder="hash", transcripts_dir=folder / "mt")
    with Memory(settings=settings) as memory:
        started = time.perf_counter()
        report = memory.profile_migrations.migrate(profile_files(legacy, DEFAULT_PERSONA))
        migrate_s = time.perf_counter() - started
    if report.count("imported") != count or report.verified != count or report.mismatches:
        raise RuntimeError(f"migration incomplete: {report.model_dump_json()[:500]}")
    rates = [Rate("migrate-profiles", migrate_s, count, seed_migration(legacy))]
    for embedder in REINDEX_EMBEDDERS:
        with Memory(settings=settings.model_copy(update={"embedder": embedder})) as memory:
            memory.embedder.embed(["loads the model before the clock starts"])
            started = time.perf_counter()
            embedded = memory.memories.reindex()
            rates.append(Rate(f"reindex, `{embedder}`", time.perf_counter() - started, count))
        if embedded != count * LEGACY_FACTS:
            raise RuntimeError(f"reindex embedded {embedded} facts, not {count * LEGACY_FACTS}")
    return rates


# --- HTTP --------------------------------------------------------------------------------


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """``persona-memory serve`` on the bench's database, in a process of its own (as
    deployed: the client here does not share its GIL), on a free loopback port."""
    import socket
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PERSONA_MEMORY_DATABASE_URL": settings.database_url,
        "PERSONA_MEMORY_EMBEDDER": settings.embedder,
        "PERSONA_MEMORY_TRANSCRIPTS_DIR": str(settings.transcripts_dir),
    }
    command = [sys.executable, "-m", "persona_memory", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start (exit code {server.poll()})")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def over_http(settings: Settings, people: list[str], samples: int) -> dict[str, list[float]]:
    rng = random.Random(SEED)
    times: Times = {k: [] for k in ("load", "save", "switch")}
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=30) as client:

        def call(method: str, persona: str, user: str, body: object = None) -> None:
            path = f"/v1/personas/{persona}/relationships/{user}/profile"
            client.request(method, path, json=body).raise_for_status()

        call("GET", PERSONAS[0], people[0])  # the first request builds the app's routes
        for p, user in picks(people, samples):
            persona, following = PERSONAS[p], PERSONAS[(p + 1) % len(PERSONAS)]
            times["load"].append(timed(call, "GET", persona, user))
            body = {"category": "areas_to_improve", "data": merge_patch(rng)}
            times["save"].append(timed(call, "PATCH", persona, user, body))
            times["switch"].append(timed(call, "GET", following, user))
    return times


# --- report ------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.4f}" if value < 0.01 else f"{value:.3f}" if value < 1 else f"{value:.2f}"


def verdict(p95: float, target: float | None) -> str:
    return "—" if target is None else ("pass" if p95 <= target else "**fail**")


def table_row(row: Row) -> str:
    p50, p95 = percentile(row.samples, 50), percentile(row.samples, 95)
    seed = SEED_TARGETS.get(row.target or "")
    ours = OUR_TARGETS.get(row.target or "") if row.path == "in-process" else None
    base = "— | —"
    if row.baseline is not None:
        b95 = percentile(row.baseline, 95)
        base = f"{ms(percentile(row.baseline, 50))} / {ms(b95)} | {ratio(b95 / p95)}"
    return (
        f"| {row.operation} | {row.path} | {ms(p50)} / {ms(p95)} "
        f"| {'—' if seed is None else f'< {seed:g}'} | {verdict(p95, seed)} "
        f"| {'—' if ours is None else f'≤ {ours:g}'} | {verdict(p95, ours)} | {base} |"
    )


def ratio(value: float) -> str:
    return f"{value:,.0f}x" if value >= 10 else f"{value:.2f}x"


def rate_row(rate: Rate) -> str:
    ours = rate.profiles / rate.seconds
    base = "— | —"
    if rate.baseline_s is not None:
        seed = rate.profiles / rate.baseline_s
        base = f"{rate.baseline_s:.2f} s, {seed:,.0f} /s | {ratio(ours / seed)}"
    return (
        f"| {rate.step} | {rate.seconds:.2f} s | {ours:,.0f} "
        f"| {rate.profiles * LEGACY_FACTS / rate.seconds:,.0f} | {base} |"
    )


def migration_lines(rates: list[Rate]) -> list[str]:
    count = rates[0].profiles
    return [
        f"Migration: {count:,} flat `user_{{n}}.json` files (seed 001's shape: user id, "
        f"username, {LEGACY_FACTS} dated facts, an interest) into a new SQLite store, a "
        '`Memory` of its own with `embedder="hash"`. `migrate-profiles` is '
        '`memory.profile_migrations.migrate(profile_files(folder, "default"))`: reading '
        "the files, one transaction per user (persona, user, relationship, facts as "
        "memories, the rest merged into the profile, history), then the verification that "
        "reads each user back and compares content hashes. It stores no vectors: "
        "`memory.memories.reindex()` embeds the facts after, timed apart, with the bench's "
        "`hash` embedder and then the library's default `static` (loaded first). The "
        "baseline is seed 001's migration: each file copied into `default/`, both read with "
        "`json.load` and compared. `ours/base` is our rate over the baseline's.",
        "",
        "| step | time | profiles/s | facts/s | baseline time, profiles/s | ours/base |",
        "|---|---|---|---|---|---|",
        *(rate_row(rate) for rate in rates),
    ]


def rows(local: Times, http: Times, base: Times) -> list[Row]:
    return [
        Row("load", "in-process", local["load"], base["load"], "load"),
        Row("save (merge)", "in-process", local["save"], base["save"], "save"),
        Row("switch (new handle)", "in-process", local["handle"], base["switch"], "switch"),
        Row("switch + first load", "in-process", local["switch"], base["switch_load"]),
        Row("load", "HTTP", http["load"], target="load"),
        Row("save (merge)", "HTTP", http["save"], target="save"),
        Row("switch + first load", "HTTP", http["switch"]),
    ]


def report(
    facts: dict[str, Any], table: list[Row], base: dict[str, list[float]], rates: list[Rate]
) -> str:
    n, index = facts["users"], base["index"]
    lines = [
        "# Profiles: load, save, persona switch",
        "",
        f"{n:,} users x {len(PERSONAS)} personas = {n * len(PERSONAS):,} relationships, "
        f"each with a 3-category profile, on {facts['backend']}. Built in "
        f"{facts['build_s']:.0f} s ({facts['build_rate']:,.0f} relationships/s, "
        f"{BUILD_BATCH:,} to a transaction); the baseline's files in {facts['files_s']:.0f} s. "
        f"{facts['samples']:,} random (persona, user) samples per operation. Times in ms, "
        "p50 / p95; pass/fail is on p95. The baseline is seed 001's store in the same run "
        "(a JSON file per user per persona, `json.load`/`json.dump`, no fsync, no history, "
        "no version; its switch flushes the one dirty profile and clears the cache); "
        "`base/ours` is its p95 over ours.",
        "",
        "| operation | path | p50 / p95 | seed target | seed | 10x target | 10x "
        "| baseline p50 / p95 | base/ours |",
        "|---|---|---|---|---|---|---|---|---|",
        *(table_row(row) for row in table),
        "",
        f"- Index rebuild: seed target < 100 ms for {INDEX_PROFILES} profiles; the baseline "
        f"rebuilds its `_index_cache.pkl` in {ms(percentile(index, 50))} / "
        f"{ms(percentile(index, 95))} ms. Here there is no index to rebuild: the "
        "relationship's primary key is the index, kept by the database on every write.",
        "- A switch is making a handle: two id checks, no I/O (see docs/concepts.md, "
        "Relationship handles). `switch + first load` is a new handle's `profile()` for "
        "the user's next persona (the baseline: `set_persona()` flushing one dirty profile, "
        "then a load); over HTTP, where the persona is in the URL, the next persona's GET "
        "right after a PATCH. The seed set no target for it; compare it with `load`.",
        "- HTTP: `persona-memory serve` in a process of its own, an httpx client in this one, "
        "on 127.0.0.1 (one keep-alive connection, no admin key).",
        "",
        *migration_lines(rates),
        "",
        f"Machine: {', '.join(f'{k} {v}' for k, v in facts['machine'].items())}; "
        f"1-minute load average {facts['load_average']}.",
        "",
        f"Reproduce: `python bench/profiles.py --users {n}`"
        + ("" if facts["backend"] == "sqlite" else " --database-url <empty PostgreSQL>")
        + ".",
    ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, folder: Path) -> str:
    people, load_before = users(args.users), os.getloadavg()[0]
    url = args.database_url or str(folder / "profiles.db")
    settings = Settings(database_url=url, embedder="hash", transcripts_dir=folder / "t")
    with Memory(settings=settings) as memory:
        build_s = build_store(memory, people)
        files_s = build_files(folder / "files", people)
        local = in_process(memory, people, args.samples)
    http = over_http(settings, people, args.http_samples)
    base = baseline(FileProfiles(folder / "files"), people, args.samples)
    rates = migration(folder / "migration", args.users)
    facts = {
        "users": args.users,
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "build_s": build_s,
        "build_rate": len(people) * len(PERSONAS) / build_s,
        "files_s": files_s,
        "samples": args.samples,
        "machine": machine(),
        # Other work on the machine slows every row alike: the report says how much there was.
        "load_average": f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
    }
    return report(facts, rows(local, http, base), base, rates)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--http-samples", type=int, default=1_000)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--quick", action="store_true", help="50 users, writes nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.samples, args.http_samples = 50, 40, 20
    with tempfile.TemporaryDirectory(prefix="bench-profiles-") as tmp:
        text = run(args, Path(tmp))
    print(text)
    if not args.quick:  # a quick run is for trying things, not a result to keep
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "profiles.md").write_text(text)
    return text


if __name__ == "__main__":
    main()
