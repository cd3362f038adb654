"""A memory's ``context``: the turns around it, its speaker and date, indexed
for full-text search beside its text at a lower weight (storage/index.py), so
that a follow-up question ("what did she do after that?") has words to match.

- SQLite: the FTS5 table gains a ``context`` column; its triggers follow.
- PostgreSQL: the generated ``text_search`` weighs the text A and the context B.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# As migration 0004's: one FTS5 token per scope key.
_TOKEN = "'s' || lower(hex({row}.scope_key)) || '0'"


def _row(row: str) -> str:
    return f"{row}.pk, {row}.text, coalesce({row}.context, ''), " + _TOKEN.format(row=row)


def _sqlite_fts(with_context: bool) -> list[str]:
    context = "coalesce(context, '') AS context, " if with_context else ""
    columns = "text, context, scope_tok" if with_context else "text, scope_tok"
    row = _row if with_context else _row_without_context
    watched = "text, context, scope_key" if with_context else "text, scope_key"
    return [
        "DROP TRIGGER IF EXISTS memories_fts_insert",
        "DROP TRIGGER IF EXISTS memories_fts_delete",
        "DROP TRIGGER IF EXISTS memories_fts_update",
        "DROP TABLE IF EXISTS memories_fts",
        "DROP VIEW IF EXISTS memories_fts_source",
        f"CREATE VIEW memories_fts_source AS SELECT pk, text, {context}"
        + _TOKEN.format(row="memories")
        + " AS scope_tok FROM memories",
        f"CREATE VIRTUAL TABLE memories_fts USING fts5({columns}, "
        "content='memories_fts_source', content_rowid='pk', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        "CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN "
        f"INSERT INTO memories_fts(rowid, {columns}) VALUES ({row('new')}); END",
        "CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN "
        f"INSERT INTO memories_fts(memories_fts, rowid, {columns}) "
        f"VALUES ('delete', {row('old')}); END",
        f"CREATE TRIGGER memories_fts_update AFTER UPDATE OF {watched} ON memories BEGIN "
        f"INSERT INTO memories_fts(memories_fts, rowid, {columns}) "
        f"VALUES ('delete', {row('old')}); "
        f"INSERT INTO memories_fts(rowid, {columns}) VALUES ({row('new')}); END",
        "INSERT INTO memories_fts(memories_fts) VALUES ('rebuild')",
    ]


def _row_without_context(row: str) -> str:
    return f"{row}.pk, {row}.text, " + _TOKEN.format(row=row)


def _postgres(with_context: bool) -> list[str]:
    vector = (
        "setweight(to_tsvector('english', text), 'A') || "
        "setweight(to_tsvector('english', coalesce(context, '')), 'B')"
        if with_context
        else "to_tsvector('english', text)"
    )
    return [
        "DROP INDEX IF EXISTS ix_memories_text_search",
        "ALTER TABLE memories DROP COLUMN IF EXISTS text_search",
        "ALTER TABLE memories ADD COLUMN text_search tsvector "
        f"GENERATED ALWAYS AS ({vector}) STORED",
        "CREATE INDEX ix_memories_text_search ON memories USING gin (text_search)",
    ]


def upgrade() -> None:
    with op.batch_alter_table("memories") as memories:
        memories.add_column(sa.Column("context", sa.Text))
    _index(with_context=True)


def downgrade() -> None:
    _index(with_context=False)
    # Not batch mode: rebuilding the table would drop its other triggers.
    op.drop_column("memories", "context")


def _index(*, with_context: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    statements = _sqlite_fts(with_context) if sqlite else _postgres(with_context)
    for statement in statements:
        op.execute(statement)
