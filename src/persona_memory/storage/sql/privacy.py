"""Rows of the PII firewall: what it anonymised, and the shared text it scans."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import insert, select

from persona_memory.core.blocks import Block, BlockOwner
from persona_memory.core.memories import HistoryEvent, MemoryRecord
from persona_memory.core.privacy import Redaction, RedactionTotals
from persona_memory.storage.rows import block_from_row, memory_from_row
from persona_memory.storage.schema import blocks, memories, memory_history, privacy_redactions
from persona_memory.storage.sql.base import Rows
from persona_memory.storage.sql.memories import RECORD


class PrivacySql(Rows):
    def record_redactions(self, redactions: Sequence[Redaction]) -> None:
        if not redactions:
            return
        rows = [r.model_dump(mode="python") for r in redactions]
        self.connection.execute(insert(privacy_redactions), rows)
        # A memory's own history says it was anonymised, and of what kinds.
        history = [
            {
                "memory_id": r.target_id,
                "persona_id": r.owner if r.scope == "persona" else None,
                "user_id": None,
                "event": HistoryEvent.REDACT.value,
                "old_value": None,
                "new_value": {"field": r.field, "found": r.found, "source": r.source},
                "created_at": r.created_at,
            }
            for r in redactions
            if r.target == "memory"
        ]
        if history:
            self.connection.execute(insert(memory_history), history)

    def redaction_totals(self) -> RedactionTotals:
        by_type: Counter[str] = Counter()
        by_scope: Counter[str] = Counter()
        by_source: Counter[str] = Counter()
        count, last = 0, None
        statement = select(
            privacy_redactions.c.found,
            privacy_redactions.c.scope,
            privacy_redactions.c.source,
            privacy_redactions.c.created_at,
        )
        for found, scope, source, created_at in self.connection.execute(statement):
            count += 1
            by_type.update(found)
            by_scope[scope] += 1
            by_source[source] += 1
            last = created_at if last is None or created_at > last else last
        return RedactionTotals(
            redactions=count,
            by_type=dict(sorted(by_type.items())),
            by_scope=dict(sorted(by_scope.items())),
            by_source=dict(sorted(by_source.items())),
            last_at=last,
        )

    def shared_memories(self, after: int, limit: int) -> list[tuple[int, MemoryRecord]]:
        """Memories no user owns (the persona's own, global), in key order."""
        statement = (
            select(memories.c.pk, *RECORD)
            .where(memories.c.user_id.is_(None), memories.c.pk > after)
            .order_by(memories.c.pk)
            .limit(limit)
        )
        return [(row[0], memory_from_row(row[1:])) for row in self.connection.execute(statement)]

    def shared_blocks(self) -> list[Block]:
        statement = select(blocks).where(blocks.c.owner == BlockOwner.USER_PERSONA.value)
        return [
            block_from_row(row) for row in self.connection.execute(statement.order_by(blocks.c.id))
        ]
