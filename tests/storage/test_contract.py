"""The store contract: every backend must pass these unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from persona_memory.core.blocks import BlockNotFound, appended
from persona_memory.core.errors import AlreadyExists, PersonaNotFound, TextTooLong
from persona_memory.core.ids import new_memory_id
from persona_memory.core.models import (
    HistoryEvent,
    MemoryRecord,
    Persona,
    Relationship,
    User,
    utcnow,
)
from persona_memory.core.ports import Embedding, MemoryQuery, Store
from persona_memory.core.profiles import PreconditionFailed
from persona_memory.core.scope import Scope, ScopeKind, visible_scopes
from persona_memory.core.tokens import TokenCreate
from persona_memory.core.tokens import issue as issue_token
from persona_memory.core.user_personas import Membership, UserPersona, shared_block

T0 = datetime(2025, 1, 1, tzinfo=UTC)


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


def vec(*values: float) -> Embedding:
    array = np.array(values, dtype=np.float32)
    return Embedding("test-model", array / np.linalg.norm(array))


@pytest.fixture
def seeded(store: Store) -> Store:
    store.create_persona(persona("sage"))
    store.create_persona(persona("brad"))
    return store


def test_persona_round_trip_and_duplicate(store: Store) -> None:
    store.create_persona(persona("sage"))
    assert store.get_persona("sage") == persona("sage")
    with pytest.raises(AlreadyExists):
        store.create_persona(persona("sage").model_copy(update={"name": "Other"}))
    assert store.get_persona("sage").name == "Sage"  # type: ignore[union-attr]
    assert [p.id for p in store.list_personas()] == ["sage"]
    assert store.get_persona("nobody") is None


def test_datetimes_come_back_aware_utc(seeded: Store) -> None:
    local = datetime(2025, 6, 1, 12, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    memory = record("x", Scope.persona("sage"), created_at=local)
    seeded.add_memories([(memory, None)])
    stored = seeded.get_memory(memory.id)
    assert stored is not None
    assert stored.created_at == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert stored.created_at.tzinfo is not None


def test_relationship_memory_creates_user_and_relationship(seeded: Store) -> None:
    seeded.add_memories([(record("likes tea", Scope.relationship("sage", "alice")), None)])
    assert seeded.get_user("alice") is not None
    relationship = seeded.get_relationship("sage", "alice")
    assert relationship is not None and relationship.relationship_type == "user"
    seeded.add_memories([(record("likes coffee", Scope.relationship("sage", "alice")), None)])
    assert len(seeded.list_relationships(user_id="alice")) == 1


def test_failed_batch_writes_nothing(seeded: Store) -> None:
    good = record("fine", Scope.relationship("sage", "alice"))
    orphan = record("persona missing", Scope.relationship("ghost", "alice"))
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own integrity error
        seeded.add_memories([(good, None), (orphan, None)])
    assert seeded.get_memory(good.id) is None
    assert seeded.get_user("alice") is None
    assert seeded.memory_history(good.id) == []


def test_scope_predicate_isolates(seeded: Store) -> None:
    writes = {
        "global": Scope.global_(),
        "sage": Scope.persona("sage"),
        "brad": Scope.persona("brad"),
        "sage-alice": Scope.relationship("sage", "alice"),
        "sage-bob": Scope.relationship("sage", "bob"),
        "brad-alice": Scope.relationship("brad", "alice"),
    }
    seeded.add_memories([(record(name, scope), None) for name, scope in writes.items()])
    seen = seeded.list_memories(MemoryQuery(scopes=visible_scopes("sage", "alice")))
    assert sorted(m.text for m in seen) == ["global", "sage", "sage-alice"]
    seen = seeded.list_memories(MemoryQuery(scopes=visible_scopes("brad", None)))
    assert sorted(m.text for m in seen) == ["brad", "global"]
    assert seeded.list_memories(MemoryQuery(scopes=[])) == []


def test_filters(seeded: Store) -> None:
    scope = Scope.persona("sage")
    seeded.add_memories(
        [
            (record("a", scope, category="food", tags=["x"], importance=9, created_at=T0), None),
            (
                record("b", scope, category="food", tags=["y"], created_at=T0 + timedelta(days=2)),
                None,
            ),
            (
                record(
                    "c",
                    scope,
                    valid_from=T0,
                    valid_to=T0 + timedelta(days=1),
                    created_at=T0 + timedelta(days=3),
                ),
                None,
            ),
        ]
    )

    def texts(**filters: object) -> list[str]:
        query = MemoryQuery(scopes=[scope], **filters)  # type: ignore[arg-type]
        return sorted(m.text for m in seeded.list_memories(query))

    assert texts(category="food") == ["a", "b"]
    assert texts(tags=["y", "z"]) == ["b"]
    assert texts(min_importance=8) == ["a"]
    assert texts(created_after=T0 + timedelta(days=1)) == ["b", "c"]
    assert texts(created_before=T0 + timedelta(days=1)) == ["a"]
    assert texts(valid_at=T0 + timedelta(hours=1)) == ["a", "b", "c"]
    assert texts(valid_at=T0 + timedelta(days=2)) == ["a", "b"]


def test_list_is_newest_first_and_pages(seeded: Store) -> None:
    scope = Scope.persona("sage")
    seeded.add_memories(
        [(record(str(i), scope, created_at=T0 + timedelta(minutes=i)), None) for i in range(5)]
    )
    query = MemoryQuery(scopes=[scope])
    assert [m.text for m in seeded.list_memories(query, limit=2)] == ["4", "3"]
    assert [m.text for m in seeded.list_memories(query, limit=2, offset=4)] == ["0"]


def test_update_records_history_and_reindexes_text(seeded: Store) -> None:
    scope = Scope.relationship("sage", "alice")
    original = record("alice likes tea", scope, tags=["drink"])
    seeded.add_memories([(original, vec(1, 0))])
    changed = original.model_copy(update={"text": "alice prefers coffee", "tags": ["coffee"]})
    seeded.update_memory(changed, vec(0, 1))
    query = MemoryQuery(scopes=[scope])
    assert [h.memory_id for h in seeded.text_search(["coffee"], query, 10)] == [original.id]
    assert seeded.text_search(["tea"], query, 10) == []
    assert [m.id for m in seeded.list_memories(MemoryQuery([scope], tags=["coffee"]))] == [
        original.id
    ]
    history = seeded.memory_history(original.id)
    assert [h.event for h in history] == [HistoryEvent.ADD, HistoryEvent.UPDATE]
    assert history[1].old_value is not None and history[1].old_value["text"] == "alice likes tea"
    assert history[1].new_value is not None
    assert history[1].new_value["text"] == "alice prefers coffee"
    candidates = seeded.vector_candidates(query, "test-model")
    np.testing.assert_allclose(candidates.matrix[0], [0, 1])


def test_delete_keeps_history_and_unindexes(seeded: Store) -> None:
    scope = Scope.persona("sage")
    memory = record("pineapple pizza", scope)
    seeded.add_memories([(memory, vec(1, 1))])
    assert seeded.delete_memory(memory.id) is True
    assert seeded.delete_memory(memory.id) is False
    assert seeded.get_memory(memory.id) is None
    assert seeded.text_search(["pizza"], MemoryQuery([scope]), 10) == []
    assert seeded.vector_candidates(MemoryQuery([scope]), "test-model").memory_ids == []
    events = [h.event for h in seeded.memory_history(memory.id)]
    assert events == [HistoryEvent.ADD, HistoryEvent.DELETE]


def test_text_search_ranks_and_respects_scope(seeded: Store) -> None:
    mine = Scope.relationship("sage", "alice")
    other = Scope.relationship("sage", "bob")
    best = record("peanut allergy: alice is allergic to peanuts, peanut butter too", mine)
    weaker = record("alice ate a peanut once", mine)
    hidden = record("bob is allergic to peanuts", other)
    seeded.add_memories([(best, None), (weaker, None), (hidden, None)])
    hits = seeded.text_search(["peanut", "allergic"], MemoryQuery([mine]), 10)
    assert [h.memory_id for h in hits] == [best.id, weaker.id]
    assert hits[0].score > hits[1].score
    # Stemming: "peanuts" matches "peanut".
    assert len(seeded.text_search(["peanuts"], MemoryQuery([mine]), 10)) == 2
    # Quotes and FTS operators in a term are text, not syntax.
    assert seeded.text_search(['"peanut" OR NOT'], MemoryQuery([mine]), 10) == []


def test_vector_candidates_only_for_model_and_scope(seeded: Store) -> None:
    mine, other = Scope.persona("sage"), Scope.persona("brad")
    a, b, c = record("a", mine), record("b", mine), record("c", other)
    seeded.add_memories(
        [(a, vec(1, 0)), (b, Embedding("other-model", vec(0, 1).vector)), (c, vec(1, 1))]
    )
    candidates = seeded.vector_candidates(MemoryQuery([mine]), "test-model")
    assert candidates.memory_ids == [a.id]
    assert candidates.matrix.shape == (1, 2)
    assert seeded.count_memories_to_embed("test-model") == 1
    assert [m.id for m in seeded.memories_to_embed("test-model", 10)] == [b.id]
    seeded.set_embeddings([(b.id, vec(0, 1))])
    assert seeded.count_memories_to_embed("test-model") == 0


def test_erase_user_removes_every_row(seeded: Store) -> None:
    alice_sage = record("alice secret", Scope.relationship("sage", "alice"))
    alice_brad = record("alice other secret", Scope.relationship("brad", "alice"))
    bob = record("bob stays", Scope.relationship("sage", "bob"))
    seeded.add_memories([(alice_sage, vec(1, 0)), (alice_brad, None), (bob, None)])
    assert seeded.erase_user("alice") is True
    assert seeded.get_user("alice") is None
    assert seeded.list_relationships(user_id="alice") == []
    assert seeded.get_memory(alice_sage.id) is None and seeded.get_memory(alice_brad.id) is None
    assert seeded.user_history("alice") == []
    assert seeded.memory_history(alice_sage.id) == []
    assert seeded.text_search(["secret"], MemoryQuery(visible_scopes("sage", "alice")), 10) == []
    assert seeded.get_memory(bob.id) is not None
    assert seeded.erase_user("alice") is False


def test_delete_persona_cascades(seeded: Store) -> None:
    own = record("sage's own", Scope.persona("sage"))
    private = record("about alice", Scope.relationship("sage", "alice"))
    kept = record("brad's", Scope.relationship("brad", "alice"))
    seeded.add_memories([(own, None), (private, None), (kept, None)])
    assert seeded.delete_persona("sage") is True
    assert seeded.get_persona("sage") is None
    assert seeded.get_memory(own.id) is None and seeded.get_memory(private.id) is None
    assert seeded.get_relationship("sage", "alice") is None
    assert seeded.get_memory(kept.id) is not None
    assert seeded.get_user("alice") is not None
    assert seeded.delete_persona("sage") is False


def test_users_and_relationships(seeded: Store) -> None:
    now = utcnow()
    seeded.create_user(User(id="alice@example.com", name="Alice", created_at=now))
    with pytest.raises(AlreadyExists):
        seeded.create_user(User(id="alice@example.com", created_at=now))
    relationship = Relationship(
        persona_id="brad",
        user_id="alice@example.com",
        relationship_type="bro_friend",
        created_at=now,
        updated_at=now,
    )
    seeded.put_relationship(relationship)
    seeded.put_relationship(relationship.model_copy(update={"relationship_type": "friend"}))
    stored = seeded.get_relationship("brad", "alice@example.com")
    assert stored is not None and stored.relationship_type == "friend"
    assert [u.id for u in seeded.list_users()] == ["alice@example.com"]
    assert [r.persona_id for r in seeded.list_relationships(persona_id="brad")] == ["brad"]


def test_reopening_keeps_data_and_schema(tmp_path: object) -> None:
    from pathlib import Path

    from persona_memory.storage import open_store

    path = Path(str(tmp_path)) / "reopen.db"
    first = open_store(path)
    first.create_persona(persona("sage"))
    first.close()
    second = open_store(path)
    assert second.get_persona("sage") is not None
    second.close()


def test_scope_kinds_stored_as_given(seeded: Store) -> None:
    memory = record("g", Scope.global_())
    seeded.add_memories([(memory, None)])
    stored = seeded.get_memory(memory.id)
    assert stored is not None and stored.scope is ScopeKind.GLOBAL
    assert stored.persona_id is None and stored.user_id is None


def test_concurrent_writers_lose_nothing(seeded: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(worker: int) -> None:
        for i in range(20):
            scope = Scope.relationship("sage", f"user{worker % 3}")
            seeded.add_memories([(record(f"w{worker}-{i}", scope), None)])
            assert seeded.list_memories(MemoryQuery([scope]), limit=1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    seen = {
        m.text
        for user in range(3)
        for m in seeded.list_memories(
            MemoryQuery([Scope.relationship("sage", f"user{user}")]), limit=1000
        )
    }
    assert seen == {f"w{w}-{i}" for w in range(8) for i in range(20)}


# --- blocks and user personas ----------------------------------------------


def user_persona(handle: str) -> UserPersona:
    return UserPersona(handle=handle, industry="I", professional_role="R", created_at=T0)


def membership(user_id: str, handle: str, score: float = 1.0) -> Membership:
    return Membership(
        user_id=user_id, handle=handle, confidence_score=score, created_at=T0, updated_at=T0
    )


def test_new_relationship_gets_private_blocks_once(seeded: Store) -> None:
    assert seeded.ensure_relationship("sage", "alice") is True
    assert seeded.ensure_relationship("sage", "alice") is False
    labels = sorted(b.label for b in seeded.attached_blocks("sage", "alice"))
    assert labels == ["human", "persona", "user_persona_profile"]
    with pytest.raises(PersonaNotFound):
        seeded.ensure_relationship("ghost", "alice")
    assert seeded.get_relationship("ghost", "alice") is None


def test_modify_block_is_atomic_and_checked(seeded: Store) -> None:
    seeded.ensure_relationship("sage", "alice")
    human = next(b for b in seeded.attached_blocks("sage", "alice") if b.label == "human")
    changed = seeded.modify_block(human.id, lambda b: appended(b, "one", utcnow()))
    assert changed.value == "one" and seeded.get_block(human.id) == changed
    with pytest.raises(TextTooLong):
        seeded.modify_block(human.id, lambda b: appended(b, "x" * 6000, utcnow()))
    assert seeded.get_block(human.id).value == "one"  # type: ignore[union-attr]
    with pytest.raises(BlockNotFound):
        seeded.modify_block("missing", lambda b: b)


def test_user_persona_with_shared_block_and_members(seeded: Store) -> None:
    block = shared_block("retail_ops", T0)
    assert seeded.create_user_persona(user_persona("retail_ops"), block) is True
    again = seeded.create_user_persona(user_persona("retail_ops"), shared_block("retail_ops", T0))
    assert again is False
    assert seeded.shared_block("retail_ops") == block  # the first one, unchanged
    assert "retail_ops" in [p.handle for p in seeded.list_user_personas()]

    seeded.ensure_relationship("sage", "alice")
    seeded.ensure_user("bob")
    seeded.join_user_persona(membership("alice", "retail_ops"))
    seeded.join_user_persona(membership("bob", "retail_ops", 0.5))
    seeded.join_user_persona(membership("bob", "retail_ops", 0.7))
    assert [(m.user_id, m.confidence_score) for m in seeded.members("retail_ops")] == [
        ("alice", 1.0),
        ("bob", 0.7),
    ]
    seeded.ensure_relationship("brad", "bob")  # created after joining: gets it too
    assert seeded.block_relationships(block.id) == [("brad", "bob"), ("sage", "alice")]
    assert seeded.attach_to_members("retail_ops") == 0  # already everywhere

    assert seeded.detach_block(block.id, "sage", "alice") is True
    assert seeded.detach_block(block.id, "sage", "alice") is False
    assert seeded.attach_block(block.id, "sage", "alice") is True
    assert seeded.attach_block(block.id, "sage", "alice") is False

    assert seeded.leave_user_persona("bob", "retail_ops") is True
    assert seeded.block_relationships(block.id) == [("sage", "alice")]
    assert [m.handle for m in seeded.memberships("bob")] == []


def test_erasure_and_persona_deletion_remove_blocks(seeded: Store) -> None:
    seeded.create_user_persona(user_persona("retail_ops"), shared_block("retail_ops", T0))
    seeded.ensure_relationship("sage", "alice")
    seeded.ensure_relationship("brad", "bob")
    seeded.join_user_persona(membership("alice", "retail_ops"))
    alice_human = next(b for b in seeded.attached_blocks("sage", "alice") if b.label == "human")
    bob_human = next(b for b in seeded.attached_blocks("brad", "bob") if b.label == "human")
    seeded.erase_user("alice")
    assert seeded.get_block(alice_human.id) is None
    assert seeded.memberships("alice") == []
    assert seeded.shared_block("retail_ops") is not None  # shared: not alice's to take
    seeded.delete_persona("brad")
    assert seeded.get_block(bob_human.id) is None
    assert seeded.attached_blocks("brad", "bob") == []


# --- profiles and tokens ------------------------------------------------------------


def test_modify_profile_versions_history_and_preconditions(seeded: Store) -> None:
    first = seeded.modify_profile("sage", "alice", lambda c: {**c, "a": {"x": 1}}, event="MERGE")
    assert first.version == 1 and seeded.get_relationship("sage", "alice") is not None
    same = seeded.modify_profile("sage", "alice", lambda c: c, event="MERGE")
    assert same.version == 1  # no change, no new version
    with pytest.raises(PreconditionFailed):
        seeded.modify_profile("sage", "alice", lambda c: {}, event="CLEAR", expected_version=0)
    second = seeded.modify_profile(
        "sage", "alice", lambda c: {"b": {"y": 2}}, event="PUT", expected_version=1
    )
    assert second.categories == {"b": {"y": 2}} and second.version == 2
    stored = seeded.get_profile("sage", "alice")
    assert stored is not None and stored.categories == {"b": {"y": 2}}
    history = [
        (h.category, h.event, h.old_value, h.new_value)
        for h in seeded.profile_history("sage", "alice")
    ]
    assert history == [
        ("a", "MERGE", None, {"x": 1}),
        ("a", "PUT", {"x": 1}, None),
        ("b", "PUT", None, {"y": 2}),
    ]
    assert seeded.get_profile("sage", "bob") is None
    seeded.erase_user("alice")
    assert seeded.get_profile("sage", "alice") is None
    assert seeded.profile_history("sage", "alice") == []


def test_tokens_round_trip(seeded: Store) -> None:
    seeded.ensure_user("alice")
    issued, stored = issue_token("alice", TokenCreate(name="phone"), T0)
    seeded.create_token(stored)
    assert seeded.get_token(issued.id) == stored
    assert [t.id for t in seeded.list_tokens("alice")] == [issued.id]
    assert seeded.delete_token("bob", issued.id) is False
    assert seeded.delete_token("alice", issued.id) is True
    assert seeded.get_token(issued.id) is None
    seeded.create_token(issue_token("alice", TokenCreate(), T0)[1])
    seeded.erase_user("alice")
    assert seeded.list_tokens("alice") == []
