"""Store v2: memories carry their scope key, which the indexes partition on.

- ``memories.scope_key`` ("global", "persona:P", "relationship:P:U").
- The ``persona`` block is no longer copied into each relationship: it is
  rendered from the persona, so the stored copies go.
- SQLite: the full-text index gains a scope column (a hex token of the scope
  key) so a search matches inside the reader's scopes instead of the whole
  corpus, and ``vector_log`` records every change of a stored vector so the
  in-process vector index catches up with commits made by any process.
- PostgreSQL: pgvector's ``vector`` column and a generated ``tsvector`` with a
  GIN index.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SCOPE_KEY = (
    "CASE scope WHEN 'global' THEN 'global' "
    "WHEN 'persona' THEN 'persona:' || persona_id "
    "ELSE 'relationship:' || persona_id || ':' || user_id END"
)

# The scope token: one FTS5 token per scope key. Hex keeps it a single token
# under unicode61; the trailing digit keeps the porter stemmer off it.
_TOKEN = "'s' || lower(hex({row}.scope_key)) || '0'"

_SQLITE_FTS = [
    "DROP TRIGGER IF EXISTS memories_fts_insert",
    "DROP TRIGGER IF EXISTS memories_fts_delete",
    "DROP TRIGGER IF EXISTS memories_fts_update",
    "DROP TABLE IF EXISTS memories_fts",
    "CREATE VIEW memories_fts_source AS SELECT pk, text, "
    + _TOKEN.format(row="memories")
    + " AS scope_tok FROM memories",
    "CREATE VIRTUAL TABLE memories_fts USING fts5("
    "text, scope_tok, content='memories_fts_source', content_rowid='pk', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN "
    "INSERT INTO memories_fts(rowid, text, scope_tok) VALUES (new.pk, new.text, "
    + _TOKEN.format(row="new")
    + "); END",
    "CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN "
    "INSERT INTO memories_fts(memories_fts, rowid, text, scope_tok) "
    "VALUES ('delete', old.pk, old.text, " + _TOKEN.format(row="old") + "); END",
    "CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, scope_key ON memories BEGIN "
    "INSERT INTO memories_fts(memories_fts, rowid, text, scope_tok) "
    "VALUES ('delete', old.pk, old.text, " + _TOKEN.format(row="old") + "); "
    "INSERT INTO memories_fts(rowid, text, scope_tok) VALUES (new.pk, new.text, "
    + _TOKEN.format(row="new")
    + "); END",
    "INSERT INTO memories_fts(memories_fts) VALUES ('rebuild')",
]

# Only primary keys go into the log: it holds no user data, so erasure has
# nothing to find there.
_SQLITE_VECTOR_LOG = [
    "CREATE TABLE vector_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, memory_pk INTEGER NOT NULL)",
    "CREATE TRIGGER vector_log_insert AFTER INSERT ON memories "
    "WHEN new.embedding IS NOT NULL BEGIN "
    "INSERT INTO vector_log(memory_pk) VALUES (new.pk); END",
    "CREATE TRIGGER vector_log_update AFTER UPDATE OF embedding, embedding_model, scope_key "
    "ON memories BEGIN INSERT INTO vector_log(memory_pk) VALUES (new.pk); END",
    "CREATE TRIGGER vector_log_delete AFTER DELETE ON memories "
    "WHEN old.embedding IS NOT NULL BEGIN "
    "INSERT INTO vector_log(memory_pk) VALUES (old.pk); END",
]

_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "ALTER TABLE memories ALTER COLUMN embedding TYPE vector USING NULL",
    "ALTER TABLE memories ADD COLUMN text_search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_memories_text_search ON memories USING gin (text_search)",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("memories") as memories:
        memories.add_column(
            sa.Column("scope_key", sa.String(255), nullable=False, server_default="")
        )
    op.execute(f"UPDATE memories SET scope_key = {_SCOPE_KEY}")
    op.create_index("ix_memories_scope_key", "memories", ["scope_key", "embedding_model"])
    op.execute(
        "DELETE FROM block_attachments WHERE block_id IN "
        "(SELECT id FROM blocks WHERE owner = 'relationship' AND label = 'persona')"
    )
    op.execute("DELETE FROM blocks WHERE owner = 'relationship' AND label = 'persona'")
    statements = [*_SQLITE_FTS, *_SQLITE_VECTOR_LOG] if dialect == "sqlite" else _POSTGRES
    for statement in statements:
        op.execute(statement)
