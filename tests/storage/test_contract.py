"""The store contract: every backend passes these unchanged (SQLite and PostgreSQL).

Each test drives the ``Transaction`` protocol directly: ``store.transaction()``
for writes, ``store.read()`` for snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from persona_memory.core.base import utcnow
from persona_memory.core.blocks import appended
from persona_memory.core.ids import new_memory_id
from persona_memory.core.memories import HistoryEvent, MemoryQuery, MemoryRecord
from persona_memory.core.personas import Persona
from persona_memory.core.ports import Embedding, Store
from persona_memory.core.profiles import CategoryChange, Profile
from persona_memory.core.relationship_service import open_relationship as open_core_relationship
from persona_memory.core.relationships import new_relationship
from persona_memory.core.scope import Scope, ScopeKind, visible_scopes
from persona_memory.core.tokens import TokenCreate
from persona_memory.core.tokens import issue as issue_token
from persona_memory.core.user_personas import Membership, UserPersona, shared_block
from persona_memory.core.users import User, new_user

T0 = datetime(2025, 1, 1, tzinfo=UTC)
MODEL = "test-model"


def persona(persona_id: str) -> Persona:
    return Persona(id=persona_id, name=persona_id.title(), created_at=T0, updated_at=T0)


def record(text: str, scope: Scope, **fields: object) -> MemoryRecord:
    values: dict[str, object] = {
        "id": new_memory_id(),
        "text": text,
        "scope": scope.kind,
        "persona_id": scope.persona_id,
        "user_id": scope.user_id,
        "category": None,
        "tags": [],
        "importance": 5,
        "metadata": {},
        "source": "test",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    return MemoryRecord.model_validate(values)


def vec(*values: float, model: str = MODEL) -> Embedding:
    array = np.array(values, dtype=np.float32)
    return Embedding(model, array / np.linalg.norm(array))


def add(store: Store, *items: tuple[MemoryRecord, Embedding | None]) -> None:
    """Insert memories with their owners, as the memory service would."""
    with store.transaction() as tx:
        for r, _ in items:
            if r.user_id is not None:
                tx.insert_user(new_user(r.user_id, T0))
            if r.scope is ScopeKind.RELATIONSHIP:
                assert r.persona_id is not None and r.user_id is not None
                tx.insert_relationship(new_relationship(r.persona_id, r.user_id, T0))
        tx.insert_memories(list(items))


def listed(store: Store, scopes: Sequence[Scope], **filters: object) -> list[str]:
    with store.read() as tx:
        query = MemoryQuery(scopes=tuple(scopes), **filters)  # type: ignore[arg-type]
        return sorted(m.text for m in tx.list_memories(query, limit=1000))


def texts(store: Store, ids: Sequence[str]) -> list[str]:
    with store.read() as tx:
        by_id = {m.id: m.text for m in tx.get_memories(list(ids))}
    return [by_id[i] for i in ids]


def nearest(
    store: Store, query: Sequence[float], scopes: Sequence[Scope], k: int = 10
) -> list[str]:
    vector = vec(*query).vector
    with store.read() as tx:
        hits = tx.vector_search(vector, MODEL, MemoryQuery(scopes=tuple(scopes)), k)
    return texts(store, [h.memory_id for h in hits])


def found(store: Store, terms: Sequence[str], scopes: Sequence[Scope], k: int = 10) -> list[str]:
    with store.read() as tx:
        hits = tx.text_search(terms, MemoryQuery(scopes=tuple(scopes)), k)
    return texts(store, [h.memory_id for h in hits])


@pytest.fixture
def seeded(store: Store) -> Store:
    with store.transaction() as tx:
        tx.insert_persona(persona("sage"))
        tx.insert_persona(persona("brad"))
    return store


# --- transactions -------------------------------------------------------------


def test_a_failed_operation_writes_nothing(seeded: Store) -> None:
    good = record("fine", Scope.relationship("sage", "alice"))
    with pytest.raises(RuntimeError), seeded.transaction() as tx:
        tx.insert_user(new_user("alice", T0))
        tx.insert_memories([(good, None)])
        raise RuntimeError("a check failed after the writes")
    with seeded.read() as tx:
        assert tx.get_memory(good.id) is None
        assert tx.get_user("alice") is None
        assert tx.memory_history(good.id) == []


def test_reads_cannot_write(seeded: Store) -> None:
    with pytest.raises(Exception), seeded.read() as tx:  # noqa: B017 - each driver its own
        tx.insert_user(new_user("mallory", T0))
    with seeded.read() as tx:
        assert tx.get_user("mallory") is None


def test_inserts_report_whether_they_inserted(seeded: Store) -> None:
    with seeded.transaction() as tx:
        assert tx.insert_persona(persona("sage")) is False
        assert tx.insert_user(User(id="alice@example.com", name="Alice", created_at=T0))
        assert tx.insert_user(new_user("alice@example.com", T0)) is False
        relationship = new_relationship("brad", "alice@example.com", T0)
        assert tx.insert_relationship(relationship) is True
        assert tx.insert_relationship(relationship) is False
    with seeded.read() as tx:
        assert tx.get_user("alice@example.com").name == "Alice"  # type: ignore[union-attr]
        assert tx.get_persona("sage") == persona("sage")


def test_concurrent_read_modify_writes_lose_nothing(seeded: Store) -> None:
    """Each writer reads a counter under a row lock and writes it back + 1."""
    memory = record("0", Scope.persona("sage"))
    add(seeded, (memory, None))

    def bump(_: int) -> None:
        with seeded.transaction() as tx:
            current = tx.get_memory(memory.id, for_update=True)
            assert current is not None
            new = current.model_copy(update={"text": str(int(current.text) + 1)})
            tx.update_memory(current, new, None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(bump, range(32)))
    with seeded.read() as tx:
        assert tx.get_memory(memory.id).text == "32"  # type: ignore[union-attr]
        history = tx.memory_history(memory.id)
    # Every update started from the value the previous one wrote: a chain, no forks.
    updates = [h for h in history if h.event is HistoryEvent.UPDATE]
    assert [h.old_value["text"] for h in updates] == [str(i) for i in range(32)]  # type: ignore[index]


def test_concurrent_writers_lose_nothing(seeded: Store) -> None:
    def write(worker: int) -> None:
        for i in range(10):
            add(
                seeded,
                (record(f"w{worker}-{i}", Scope.relationship("sage", f"u{worker % 3}")), None),
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    seen = set()
    for user in range(3):
        seen |= set(listed(seeded, [Scope.relationship("sage", f"u{user}")]))
    assert seen == {f"w{w}-{i}" for w in range(8) for i in range(10)}


# --- memories -------------------------------------------------------------------


def test_datetimes_come_back_aware_utc(seeded: Store) -> None:
    local = datetime(2025, 6, 1, 12, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    memory = record("x", Scope.persona("sage"), created_at=local)
    add(seeded, (memory, None))
    with seeded.read() as tx:
        stored = tx.get_memory(memory.id)
    assert stored is not None and stored.created_at == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert stored.created_at.tzinfo is not None


JSON_VALUES = {
    "nested": {"a": [1, 2.5, None, True, {"b": "ü € 😀"}]},
    "big": 12345678901234567890123,
    "float": 0.1,
    "escaped": 'quote " backslash \\ newline \n tab \t',
    "empty": {},
}


def test_json_columns_come_back_as_written(seeded: Store) -> None:
    memory = record("x", Scope.persona("sage"), metadata=JSON_VALUES, tags=["ü", "a b", "\u2028"])
    add(seeded, (memory, None))
    with seeded.read() as tx:
        (by_id,) = tx.get_memories([memory.id])
        (listed_,) = tx.list_memories(MemoryQuery(scopes=(Scope.persona("sage"),)))
    for stored in (by_id, listed_):
        assert stored.metadata == JSON_VALUES and stored.tags == ["ü", "a b", "\u2028"]


def test_scope_predicate_isolates(seeded: Store) -> None:
    writes = {
        "global": Scope.global_(),
        "sage": Scope.persona("sage"),
        "brad": Scope.persona("brad"),
        "sage-alice": Scope.relationship("sage", "alice"),
        "sage-bob": Scope.relationship("sage", "bob"),
        "brad-alice": Scope.relationship("brad", "alice"),
    }
    add(seeded, *((record(name, scope), vec(1, 0)) for name, scope in writes.items()))
    assert listed(seeded, visible_scopes("sage", "alice")) == ["global", "sage", "sage-alice"]
    assert listed(seeded, visible_scopes("brad", None)) == ["brad", "global"]
    assert listed(seeded, []) == []
    assert sorted(nearest(seeded, [1, 0], visible_scopes("sage", "alice"))) == [
        "global",
        "sage",
        "sage-alice",
    ]
    assert found(seeded, ["alice"], visible_scopes("sage", "bob")) == []
    assert found(seeded, ["alice"], visible_scopes("brad", "alice")) == ["brad-alice"]


def test_filters(seeded: Store) -> None:
    scope = Scope.persona("sage")
    add(
        seeded,
        (record("a", scope, category="food", tags=["x"], importance=9, created_at=T0), vec(1, 0)),
        (record("b", scope, category="food", tags=["y"], created_at=T0 + timedelta(days=2)), None),
        (
            record(
                "c",
                scope,
                valid_from=T0,
                valid_to=T0 + timedelta(days=1),
                created_at=T0 + timedelta(days=3),
            ),
            vec(0, 1),
        ),
    )
    assert listed(seeded, [scope], category="food") == ["a", "b"]
    assert listed(seeded, [scope], tags=("y", "z")) == ["b"]
    assert listed(seeded, [scope], min_importance=8) == ["a"]
    assert listed(seeded, [scope], created_after=T0 + timedelta(days=1)) == ["b", "c"]
    assert listed(seeded, [scope], created_before=T0 + timedelta(days=1)) == ["a"]
    assert listed(seeded, [scope], valid_at=T0 + timedelta(hours=1)) == ["a", "b", "c"]
    assert listed(seeded, [scope], valid_at=T0 + timedelta(days=2)) == ["a", "b"]
    # Filters narrow vector search too.
    with seeded.read() as tx:
        hits = tx.vector_search(vec(0, 1).vector, MODEL, MemoryQuery((scope,), category="food"), 5)
    assert texts(seeded, [h.memory_id for h in hits]) == ["a"]


def test_list_is_newest_first_and_pages(seeded: Store) -> None:
    scope = Scope.persona("sage")
    add(
        seeded,
        *((record(str(i), scope, created_at=T0 + timedelta(minutes=i)), None) for i in range(5)),
    )
    with seeded.read() as tx:
        query = MemoryQuery(scopes=(scope,))
        assert [m.text for m in tx.list_memories(query, limit=2)] == ["4", "3"]
        assert [m.text for m in tx.list_memories(query, limit=2, offset=4)] == ["0"]


def test_update_records_history_and_reindexes(seeded: Store) -> None:
    scope = Scope.relationship("sage", "alice")
    original = record("alice likes tea", scope, tags=["drink"])
    add(seeded, (original, vec(1, 0)))
    assert nearest(seeded, [1, 0], [scope]) == ["alice likes tea"]
    changed = original.model_copy(update={"text": "alice prefers coffee", "tags": ["coffee"]})
    with seeded.transaction() as tx:
        tx.update_memory(original, changed, vec(0, 1))
    assert found(seeded, ["coffee"], [scope]) == ["alice prefers coffee"]
    assert found(seeded, ["tea"], [scope]) == []
    assert listed(seeded, [scope], tags=("coffee",)) == ["alice prefers coffee"]
    with seeded.read() as tx:
        history = tx.memory_history(original.id)
        hits = tx.vector_search(vec(0, 1).vector, MODEL, MemoryQuery((scope,)), 1)
    assert [h.event for h in history] == [HistoryEvent.ADD, HistoryEvent.UPDATE]
    assert history[1].old_value["text"] == "alice likes tea"  # type: ignore[index]
    assert history[1].new_value["text"] == "alice prefers coffee"  # type: ignore[index]
    assert hits[0].memory_id == original.id and hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_delete_keeps_history_and_unindexes(seeded: Store) -> None:
    scope = Scope.persona("sage")
    memory = record("pineapple pizza", scope)
    add(seeded, (memory, vec(1, 1)))
    assert nearest(seeded, [1, 1], [scope]) == ["pineapple pizza"]  # cached before the delete
    with seeded.transaction() as tx:
        tx.delete_memory(memory)
    with seeded.read() as tx:
        assert tx.get_memory(memory.id) is None
        assert [h.event for h in tx.memory_history(memory.id)] == [
            HistoryEvent.ADD,
            HistoryEvent.DELETE,
        ]
    assert found(seeded, ["pizza"], [scope]) == []
    assert nearest(seeded, [1, 1], [scope]) == []


def test_text_search_ranks_and_respects_scope(seeded: Store) -> None:
    mine, other = Scope.relationship("sage", "alice"), Scope.relationship("sage", "bob")
    add(
        seeded,
        (record("peanut allergy: alice is allergic to peanuts, peanut butter too", mine), None),
        (record("alice ate a peanut once", mine), None),
        (record("bob is allergic to peanuts", other), None),
    )
    assert found(seeded, ["peanut", "allergic"], [mine]) == [
        "peanut allergy: alice is allergic to peanuts, peanut butter too",
        "alice ate a peanut once",
    ]
    assert found(seeded, ["peanut", "allergic"], [mine], k=1) == [
        "peanut allergy: alice is allergic to peanuts, peanut butter too"
    ]
    assert len(found(seeded, ["peanuts"], [mine])) == 2  # stemming
    assert found(seeded, ['"peanut" OR NOT'], [mine]) == []  # a term is text, never syntax
    assert found(seeded, [], [mine]) == []


def test_vector_search_is_top_k_by_cosine_for_one_model(seeded: Store) -> None:
    mine, other = Scope.persona("sage"), Scope.persona("brad")
    a, b, c, d = (record(t, mine) for t in "abcd")
    add(
        seeded,
        (a, vec(1, 0)),
        (b, vec(0.8, 0.6)),
        (c, vec(0, 1)),
        (d, vec(1, 0, model="other-model")),
        (record("e", other), vec(1, 0)),
    )
    assert nearest(seeded, [1, 0], [mine]) == ["a", "b", "c"]
    assert nearest(seeded, [1, 0], [mine], k=2) == ["a", "b"]
    with seeded.read() as tx:
        assert tx.count_memories_to_embed(MODEL) == 1
        assert [m.id for m in tx.memories_to_embed(MODEL, 10)] == [d.id]
    with seeded.transaction() as tx:
        tx.set_embeddings([(d.id, vec(0.6, 0.8))])
    assert nearest(seeded, [1, 0], [mine]) == ["a", "b", "d", "c"]
    with seeded.read() as tx:
        assert tx.count_memories_to_embed(MODEL) == 0


def test_vector_search_sees_writes_from_another_connection(store: Store) -> None:
    """The index follows commits made through another store on the same database."""
    from persona_memory.storage import open_store

    with store.transaction() as tx:
        tx.insert_persona(persona("sage"))
    scope = Scope.persona("sage")
    add(store, (record("first", scope), vec(1, 0)))
    assert nearest(store, [1, 0], [scope]) == ["first"]
    other = open_store(store.url if "postgresql" not in store.url else _raw_url(store))
    try:
        add(other, (record("second", scope), vec(0.9, 0.1)))
        with other.read() as tx:
            gone = tx.list_memories(MemoryQuery((scope,)))
        with other.transaction() as tx:
            tx.delete_memory(next(m for m in gone if m.text == "first"))
    finally:
        other.close()
    assert nearest(store, [1, 0], [scope]) == ["second"]


def _raw_url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]


def test_erase_user_removes_every_row(seeded: Store) -> None:
    alice_sage = record("alice secret", Scope.relationship("sage", "alice"))
    alice_brad = record("alice other secret", Scope.relationship("brad", "alice"))
    bob = record("bob stays", Scope.relationship("sage", "bob"))
    add(seeded, (alice_sage, vec(1, 0)), (alice_brad, None), (bob, vec(1, 0)))
    assert nearest(seeded, [1, 0], visible_scopes("sage", "alice")) == ["alice secret"]
    with seeded.transaction() as tx:
        assert tx.erase_user("alice") is True
        assert tx.erase_user("nobody") is False
    with seeded.read() as tx:
        assert tx.get_user("alice") is None
        assert tx.list_relationships(user_id="alice") == []
        assert tx.get_memory(alice_sage.id) is None and tx.get_memory(alice_brad.id) is None
        assert tx.user_history("alice") == []
        assert tx.memory_history(alice_sage.id) == []
        assert tx.get_memory(bob.id) is not None
    assert found(seeded, ["secret"], visible_scopes("sage", "alice")) == []
    assert nearest(seeded, [1, 0], visible_scopes("sage", "alice")) == []


def test_delete_persona_cascades(seeded: Store) -> None:
    own = record("sage's own", Scope.persona("sage"))
    private = record("about alice", Scope.relationship("sage", "alice"))
    kept = record("brad's", Scope.relationship("brad", "alice"))
    add(seeded, (own, None), (private, None), (kept, None))
    with seeded.transaction() as tx:
        assert tx.delete_persona("sage") is True
        assert tx.delete_persona("sage") is False
    with seeded.read() as tx:
        assert tx.get_persona("sage") is None
        assert tx.get_memory(own.id) is None and tx.get_memory(private.id) is None
        assert tx.get_relationship("sage", "alice") is None
        assert tx.get_memory(kept.id) is not None
        assert tx.get_user("alice") is not None


def test_relationships_update_and_list(seeded: Store) -> None:
    add(seeded, (record("x", Scope.relationship("brad", "alice")), None))
    with seeded.transaction() as tx:
        current = tx.get_relationship("brad", "alice", for_update=True)
        assert current is not None
        tx.update_relationship(current.model_copy(update={"relationship_type": "friend"}))
    with seeded.read() as tx:
        assert tx.get_relationship("brad", "alice").relationship_type == "friend"  # type: ignore[union-attr]
        assert [r.persona_id for r in tx.list_relationships(persona_id="brad")] == ["brad"]
        assert [u.id for u in tx.list_users()] == ["alice"]


def test_reopening_keeps_data_and_schema(database_url: str) -> None:
    from persona_memory.storage import open_store

    first = open_store(database_url)
    with first.transaction() as tx:
        tx.insert_persona(persona("sage"))
    first.close()
    second = open_store(database_url)
    with second.read() as tx:
        assert tx.get_persona("sage") is not None
    second.close()


# --- blocks and user personas ----------------------------------------------


def user_persona(handle: str) -> UserPersona:
    return UserPersona(handle=handle, industry="I", professional_role="R", created_at=T0)


def membership(user_id: str, handle: str, score: float = 1.0) -> Membership:
    return Membership(
        user_id=user_id, handle=handle, confidence_score=score, created_at=T0, updated_at=T0
    )


def open_relationship(store: Store, persona_id: str, user_id: str) -> None:
    """As a service opens one: the core rule, run on this backend's transaction."""
    with store.transaction() as tx:
        open_core_relationship(tx, persona_id, user_id, T0)


def test_blocks_attach_update_detach(seeded: Store) -> None:
    open_relationship(seeded, "sage", "alice")
    with seeded.read() as tx:
        blocks = tx.attached_blocks("sage", "alice")
    assert sorted(b.label for b in blocks) == ["human", "user_persona_profile"]
    human = next(b for b in blocks if b.label == "human")
    with seeded.transaction() as tx:
        current = tx.get_block(human.id, for_update=True)
        assert current is not None
        tx.update_block(appended(current, "one", utcnow()))
    with seeded.read() as tx:
        assert tx.get_block(human.id).value == "one"  # type: ignore[union-attr]
        assert tx.get_block("missing") is None
    with seeded.transaction() as tx:
        assert tx.detach_block(human.id, "sage", "alice") is True
        assert tx.detach_block(human.id, "sage", "alice") is False
        assert tx.attach_block(human.id, "sage", "alice", T0) is True
        assert tx.attach_block(human.id, "sage", "alice", T0) is False


def test_user_persona_with_shared_block_and_members(seeded: Store) -> None:
    block = shared_block("retail_ops", T0)
    with seeded.transaction() as tx:
        assert tx.insert_user_persona(user_persona("retail_ops")) is True
        tx.insert_blocks([block])
        assert tx.insert_user_persona(user_persona("retail_ops")) is False
    open_relationship(seeded, "sage", "alice")
    with seeded.transaction() as tx:
        tx.insert_user(new_user("bob", T0))
        tx.upsert_membership(membership("alice", "retail_ops"))
        tx.upsert_membership(membership("bob", "retail_ops", 0.5))
        again = tx.upsert_membership(membership("bob", "retail_ops", 0.7))
        assert again.confidence_score == 0.7
        assert tx.attach_shared_block("retail_ops", T0) == 1  # alice's one relationship
    open_relationship(seeded, "brad", "bob")  # created after joining: gets it too
    with seeded.transaction() as tx:
        assert tx.shared_block("retail_ops") == block
        assert [(m.user_id, m.confidence_score) for m in tx.members("retail_ops")] == [
            ("alice", 1.0),
            ("bob", 0.7),
        ]
        assert tx.block_relationships(block.id) == [("brad", "bob"), ("sage", "alice")]
        assert tx.attach_shared_block("retail_ops", T0) == 0  # already everywhere
        assert tx.delete_membership("bob", "retail_ops") is True
        assert tx.delete_membership("bob", "retail_ops") is False
        assert tx.block_relationships(block.id) == [("sage", "alice")]
        assert tx.memberships("bob") == []


def test_erasure_and_persona_deletion_remove_blocks(seeded: Store) -> None:
    with seeded.transaction() as tx:
        tx.insert_user_persona(user_persona("retail_ops"))
        tx.insert_blocks([shared_block("retail_ops", T0)])
        tx.insert_user(new_user("alice", T0))
        tx.upsert_membership(membership("alice", "retail_ops"))
    open_relationship(seeded, "sage", "alice")
    open_relationship(seeded, "brad", "bob")
    with seeded.read() as tx:
        alice_human = next(b for b in tx.attached_blocks("sage", "alice") if b.label == "human")
        bob_human = next(b for b in tx.attached_blocks("brad", "bob") if b.label == "human")
        assert len(tx.attached_blocks("sage", "alice")) == 3  # with the shared one
    with seeded.transaction() as tx:
        tx.erase_user("alice")
        tx.delete_persona("brad")
    with seeded.read() as tx:
        assert tx.get_block(alice_human.id) is None
        assert tx.memberships("alice") == []
        assert tx.shared_block("retail_ops") is not None  # shared: not alice's to take
        assert tx.get_block(bob_human.id) is None
        assert tx.attached_blocks("brad", "bob") == []


# --- profiles and tokens ------------------------------------------------------------


def test_profiles_and_their_history(seeded: Store) -> None:
    open_relationship(seeded, "sage", "alice")
    with seeded.transaction() as tx:
        assert tx.get_profile("sage", "alice") is None
        first = Profile(
            persona_id="sage", user_id="alice", categories={"a": {"x": 1}}, version=1, updated_at=T0
        )
        tx.save_profile(first)
        tx.add_profile_history("sage", "alice", "MERGE", [CategoryChange("a", None, {"x": 1})], T0)
        tx.save_profile(first.model_copy(update={"categories": {"b": {}}, "version": 2}))
        tx.add_profile_history("sage", "alice", "PUT", [], T0)  # nothing changed: no rows
    with seeded.read() as tx:
        stored = tx.get_profile("sage", "alice")
        assert stored is not None and (stored.categories, stored.version) == ({"b": {}}, 2)
        history = tx.profile_history("sage", "alice")
        assert [(h.category, h.event, h.old_value, h.new_value) for h in history] == [
            ("a", "MERGE", None, {"x": 1})
        ]
        assert tx.user_profile_history("alice") == history
        assert [p.persona_id for p in tx.user_profiles("alice")] == ["sage"]
    with seeded.transaction() as tx:
        tx.erase_user("alice")
    with seeded.read() as tx:
        assert tx.get_profile("sage", "alice") is None
        assert tx.profile_history("sage", "alice") == []


def test_tokens_round_trip(seeded: Store) -> None:
    issued, stored = issue_token("alice", TokenCreate(name="phone"), T0)
    with seeded.transaction() as tx:
        tx.insert_user(new_user("alice", T0))
        tx.insert_token(stored)
    with seeded.transaction() as tx:
        assert tx.get_token(issued.id) == stored
        assert [t.id for t in tx.list_tokens("alice")] == [issued.id]
        assert tx.delete_token("bob", issued.id) is False
        assert tx.delete_token("alice", issued.id) is True
        assert tx.get_token(issued.id) is None
        tx.insert_token(issue_token("alice", TokenCreate(), T0)[1])
        tx.erase_user("alice")
        assert tx.list_tokens("alice") == []
