"""The PII firewall on every surface (DESIGN.md invariant 2): a shared-scope write
with a name and contact details is stored anonymised (or refused under
``reject``, writing nothing); a private-scope write is stored as given; each
redaction is counted, never copied, in history and in the admin stats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.blocks import BlockOwner
from persona_memory.core.memories import HistoryEvent, MemoryCreate
from persona_memory.core.ports import Embedding
from persona_memory.core.privacy import PiiRejected
from persona_memory.core.relationships import RelationshipUpdate
from persona_memory.tools.registry import ToolContext
from tests.conftest import LiveServer
from tests.dbstate import contents

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "personas"
LEAKY = "Ask John Smith at john.smith@example.com or +1 415 555 0199 about the trade-area maps"
SECRETS = ("John", "Smith", "john.smith@example.com", "415 555 0199")
HANDLE = "qsr_real_estate"
SHARED = f"{HANDLE}_service_experience"


def assert_clean(text: str) -> None:
    assert not [s for s in SECRETS if s in text], text
    assert "trade-area maps" in text, text  # the lesson itself survives


@pytest.fixture
def shared(memory: Memory) -> Memory:
    """Brad, and alice and bob in one user persona: its block is attached to both."""
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    for user in ("alice", "bob"):
        memory.user_personas.join(user, HANDLE)
        memory.relationships.put("brad", user, RelationshipUpdate())
    return memory


def test_sdk_shared_block_append_is_redacted_and_bob_reads_no_pii(shared: Memory) -> None:
    shared.blocks.append("brad", "alice", SHARED, LEAKY)
    seen_by_bob = shared.blocks.get("brad", "bob", SHARED)
    assert seen_by_bob.owner is BlockOwner.USER_PERSONA
    assert_clean(seen_by_bob.value)
    stats = shared.privacy.stats()
    assert stats.redactions == 1 and stats.by_scope == {"user_persona": 1}
    assert {"EMAIL", "PHONE", "PERSON"} <= set(stats.by_type)
    assert "example.com" not in stats.model_dump_json()


def test_private_block_and_relationship_memory_keep_what_was_given(shared: Memory) -> None:
    shared.blocks.append("brad", "alice", "human", LEAKY)
    assert shared.blocks.get("brad", "alice", "human").value == LEAKY
    record = shared.add(LEAKY, persona_id="brad", user_id="alice")
    assert record.text == LEAKY
    assert shared.memories.get(record.id).text == LEAKY
    assert shared.privacy.stats().redactions == 0


def test_sdk_persona_and_global_memories_are_redacted_with_history(shared: Memory) -> None:
    for persona_id in ("brad", None):
        record = shared.add(LEAKY, persona_id=persona_id, tags=["maps", "john.smith@example.com"])
        stored = shared.memories.get(record.id)
        assert_clean(stored.text)
        assert stored.tags == ["maps"]
        assert record.text == stored.text  # what the caller gets back is what was stored
        events = shared.memories.history(record.id)
        redact = [e for e in events if e.event is HistoryEvent.REDACT]
        assert redact and redact[0].new_value is not None
        assert redact[0].new_value["found"]["EMAIL"] == 1
        assert "example.com" not in json.dumps([e.new_value for e in redact])
    assert shared.privacy.stats().by_scope == {"global": 2, "persona": 2}


def test_sdk_update_of_a_shared_memory_is_screened(shared: Memory) -> None:
    from persona_memory.core.memories import MemoryUpdate

    record = shared.add("Users in QSR like trade-area maps", persona_id="brad")
    updated = shared.memories.update(record.id, MemoryUpdate(text=LEAKY))
    assert_clean(updated.text)
    assert_clean(shared.memories.get(record.id).text)


def test_the_search_index_holds_only_the_redacted_text(shared: Memory) -> None:
    shared.add(LEAKY, persona_id="brad")
    hits = shared.search("john.smith@example.com", persona_id="brad", mode="text").results
    assert all("example.com" not in hit.memory.text for hit in hits)
    assert not [h for h in hits if "Smith" in h.memory.text]


def test_tool_core_memory_append_on_a_shared_block(shared: Memory) -> None:
    context = ToolContext(persona_id="brad", user_id="alice")
    result = shared.invoke_tool("core_memory_append", {"label": SHARED, "content": LEAKY}, context)
    assert result["status"] == "success"
    assert_clean(shared.blocks.get("brad", "bob", SHARED).value)
    assert shared.privacy.stats().by_source == {"agent": 1}


def test_first_edit_that_opens_the_relationship_is_screened_too(memory: Memory) -> None:
    """No relationship yet: the block is found inside the transaction, and screened there."""
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.user_personas.join("carol", HANDLE)
    memory.blocks.append("brad", "carol", SHARED, LEAKY)
    assert_clean(memory.blocks.get("brad", "carol", SHARED).value)


def test_sync_of_a_persona_file_is_redacted_once(memory: Memory, tmp_path: Path) -> None:
    folder = tmp_path / "personas"
    shutil.copytree(EXAMPLES, folder)
    path = folder / "memories" / "sage" / "persona_memories.json"
    data = json.loads(path.read_text())
    data["memories"][0]["text"] = LEAKY
    path.write_text(json.dumps(data))
    memory.persona_memories.sync(folder)
    texts = [r.text for r in memory.persona_memories.all("sage")]
    assert_clean(next(t for t in texts if "trade-area" in t))
    redacted = memory.privacy.stats().by_source["json"]
    # The hash is of the file's entry: a second sync rewrites nothing.
    again = memory.persona_memories.sync(folder)
    assert not again[0].wrote
    assert memory.privacy.stats().by_source == {"json": redacted}


def test_admin_runtime_memory_is_redacted(memory: Memory) -> None:
    from persona_memory.core.persona_file_service import RuntimeMemoryCreate

    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    record = memory.persona_memories.add("sage", RuntimeMemoryCreate(text=LEAKY))
    assert_clean(record.text)
    assert_clean(memory.memories.get(record.id).text)


def test_http_surfaces_redact_and_report(shared: Memory) -> None:
    with LiveServer(shared) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        made = http.post("/v1/memories", json={"text": LEAKY, "persona_id": "brad"})
        assert made.status_code == 201
        assert_clean(made.json()["text"])
        url = f"/v1/personas/brad/relationships/alice/blocks/{SHARED}/append"
        assert http.post(url, json={"content": LEAKY}).status_code == 200
        bob = http.get(f"/v1/personas/brad/relationships/bob/blocks/{SHARED}").json()
        assert_clean(bob["value"])
        runtime = http.post("/v1/admin/personas/brad/memories", json={"text": LEAKY})
        assert runtime.status_code == 201 and "example.com" not in runtime.text
        private = http.post(
            "/v1/memories", json={"text": LEAKY, "persona_id": "brad", "user_id": "alice"}
        )
        assert private.json()["text"] == LEAKY
        stats = http.get("/v1/admin/privacy/stats").json()
        assert stats["redactions"] == 3 and stats["mode"] == "redact"
        assert stats["by_scope"] == {"persona": 2, "user_persona": 1}
        assert "example.com" not in json.dumps(stats)


@pytest.fixture
def rejecting(settings: Settings) -> Memory:
    with Memory(settings=settings.model_copy(update={"shared_pii": "reject"})) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        memory.user_personas.join("alice", HANDLE)
        memory.relationships.put("brad", "alice", RelationshipUpdate())
        yield memory


def test_reject_mode_refuses_and_writes_nothing(rejecting: Memory) -> None:
    before = rejecting.blocks.get("brad", "alice", SHARED).value
    with pytest.raises(PiiRejected) as refused:
        rejecting.blocks.append("brad", "alice", SHARED, LEAKY)
    assert {"EMAIL", "PHONE", "PERSON"} <= set(refused.value.found)
    assert "example.com" not in refused.value.message
    assert rejecting.blocks.get("brad", "alice", SHARED).value == before
    with pytest.raises(PiiRejected):
        rejecting.add(LEAKY, persona_id="brad")
    assert rejecting.memories.all(persona_id="brad") == []
    # Private scopes are not the firewall's business, in either mode.
    assert rejecting.add(LEAKY, persona_id="brad", user_id="alice").text == LEAKY
    lesson = rejecting.add("Users in QSR prefer trade-area maps", persona_id="brad")
    assert lesson.text == "Users in QSR prefer trade-area maps"


def test_an_import_is_screened_like_any_other_write(rejecting: Memory) -> None:
    """Import (docs/transfer.md) is one more surface: under reject, a file with PII
    in a shared scope is refused whole; a private scope's PII is the file's own."""
    lines = list(rejecting.transfer.export())
    leaky = []
    for line in lines:
        data = json.loads(line)
        if data.get("kind") == "blocks" and data["row"]["label"] == SHARED:
            data["row"]["value"] = LEAKY
        leaky.append(json.dumps(data))
    before = contents(rejecting)
    with pytest.raises(PiiRejected):
        rejecting.transfer.import_lines(leaky)
    assert contents(rejecting) == before


def test_reject_mode_over_http_is_a_422_naming_the_types(rejecting: Memory) -> None:
    with LiveServer(rejecting) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        url = f"/v1/personas/brad/relationships/alice/blocks/{SHARED}/append"
        refused = http.post(url, json={"content": LEAKY})
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "pii_rejected" and error["field"] == "content"
        assert "EMAIL" in error["message"] and "example.com" not in error["message"]
        tool = http.post(
            "/v1/tools/core_memory_append",
            json={
                "arguments": {"label": SHARED, "content": LEAKY},
                "context": {"persona_id": "brad", "user_id": "alice"},
            },
        )
        # To an agent a refusal is a result to act on (write it again without them).
        assert tool.status_code == 200
        assert tool.json()["result"]["code"] == "pii_rejected"
        assert "EMAIL" in tool.json()["result"]["error"]
        assert http.get("/v1/admin/privacy/stats").json()["redactions"] == 0


def test_privacy_scan_finds_and_fixes_what_came_before_the_firewall(shared: Memory) -> None:
    """Rows written straight through the store, as an older version would have."""
    from persona_memory.core.base import utcnow
    from persona_memory.core.memories import new_record

    record = new_record(MemoryCreate(text=LEAKY, persona_id="brad"), utcnow(), 16_000)
    vector = shared.embedder.embed([LEAKY])[0]
    block = shared.blocks.get("brad", "alice", SHARED)
    with shared.store.transaction() as tx:
        tx.insert_memories([(record, Embedding(shared.embedder.model_name, vector))])
        tx.update_block(block.model_copy(update={"value": LEAKY}))
    report = shared.privacy.scan()
    assert report.with_pii == 2 and report.fixed == 0
    assert {f.target for f in report.findings} == {"memory", "block"}
    assert shared.memories.get(record.id).text == LEAKY  # a scan alone changes nothing
    fixed = shared.privacy.scan(fix=True)
    assert fixed.fixed == 2
    assert_clean(shared.memories.get(record.id).text)
    assert_clean(shared.blocks.get("brad", "bob", SHARED).value)
    assert shared.privacy.scan().with_pii == 0
    assert shared.privacy.stats().by_source == {"scan": 2}


def test_authored_memories_keep_the_personas_own_places(memory: Memory) -> None:
    """The persona's author writes about the persona's life: its places stay, as in
    seed 003's "I went to Venice"; a name or a phone number still goes."""
    from persona_memory.core.persona_file_service import RuntimeMemoryCreate

    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    text = "I went hiking at Point Reyes with John Smith, call +1 415 555 0199"
    record = memory.persona_memories.add("sage", RuntimeMemoryCreate(text=text))
    assert "Point Reyes" in record.text
    assert "John" not in record.text and "555" not in record.text
    learned = memory.add("A user went hiking at Point Reyes", persona_id="sage")
    assert "Point Reyes" not in learned.text  # not authored: places are generalised


def test_a_bulk_batch_is_screened_item_by_item(shared: Memory) -> None:
    """POST /v1/memories/batch, the bulk path an import uses: shared items redacted,
    private ones as given, all in one write."""
    with LiveServer(shared) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        items = [
            {"text": LEAKY, "persona_id": "brad"},
            {"text": LEAKY},
            {"text": LEAKY, "persona_id": "brad", "user_id": "alice"},
        ]
        made = http.post("/v1/memories/batch", json={"memories": items})
        assert made.status_code == 201
        shared_one, global_one, private = made.json()["memories"]
    assert_clean(shared_one["text"])
    assert_clean(global_one["text"])
    assert private["text"] == LEAKY
