"""The database schema, defined once. Alembic migrations create it.

Each table says in ``info`` whether it holds a user's data: ``user_data(...)``
(the column that names the user, and the export field that carries its rows),
a ``table.column`` it cascades from, or ``NO_USER_DATA``. Erasure walks this
registry; tests/storage/test_user_data.py fails for a table that says nothing,
and checks that erasure leaves no row and export misses no table.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

from persona_memory.storage.types import UTCDateTime, Vector

NO_USER_DATA = {"user_data": None}


def user_data(export: str, column: str = "user_id") -> dict[str, str]:
    """``info`` of a table whose ``column`` names the user; ``export`` is the field
    of the user's export (``UserExport``) that carries its rows."""
    return {"user_data": column, "export": export}


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

personas = Table(
    "personas",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("core_system_prompt", Text, nullable=False, default=""),
    Column("personality_traits", JSON, nullable=False),
    Column("behavioral_rules", JSON, nullable=False),
    Column("voice", String(200)),
    Column("metadata", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("attach_user_persona_blocks", Boolean, nullable=False, server_default=true()),
    Column("profile_schema", JSON, nullable=False),
    Column("profile_title", String(100), nullable=False),
    # The passport's continuation settings (core/continuation.py); NULL: the defaults.
    Column("continuation", JSON),
    info=NO_USER_DATA,
)

users = Table(
    "users",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("name", String(200)),
    Column("metadata", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    info=user_data("user", column="id"),
)

relationships = Table(
    "relationships",
    metadata,
    Column(
        "persona_id", String(64), ForeignKey("personas.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_id", String(128), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("relationship_type", String(50), nullable=False),
    Column("custom_system_prompt", Text),
    Column("memory_config", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("relationship_started_at", UTCDateTime()),  # NULL only before migration 0006
    # Kept current by ending sessions (seed 004's call stats).
    Column("total_sessions", Integer, nullable=False),
    Column("total_seconds", Integer, nullable=False),
    Column("last_session_at", UTCDateTime()),
    Index("ix_relationships_user", "user_id"),
    info=user_data("relationships"),
)

# ``pk`` is an integer so that full-text indexes can key on it; ``id`` is the
# public identifier.
memories = Table(
    "memories",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("scope", String(20), nullable=False),
    # Scope.key: what indexes (full text, vectors) partition on.
    Column("scope_key", String(255), nullable=False),
    Column("persona_id", String(64), ForeignKey("personas.id", ondelete="CASCADE")),
    Column("user_id", String(128), ForeignKey("users.id", ondelete="CASCADE")),
    Column("text", Text, nullable=False),
    Column("category", String(100)),
    Column("tags", JSON, nullable=False),
    Column("importance", Integer, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("source", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("valid_from", UTCDateTime()),
    Column("valid_to", UTCDateTime()),
    Column("embedding", Vector()),
    Column("embedding_model", String(200)),
    Column("embedding_dim", Integer),
    # Decay and reinforcement (core/decay.py): the last re-mention or retrieval.
    Column("reinforced_at", UTCDateTime()),
    Column("reinforcements", Integer, nullable=False, server_default="0"),
    # A superseded fact keeps its row, closed by valid_to, linked both ways.
    Column("supersedes", String(36)),
    Column("superseded_by", String(36)),
    # Indexed for full text beside ``text``, at a lower weight (storage/index.py).
    Column("context", Text),
    # False: stored and listed for admins, never returned to an agent (seed 003).
    Column("can_reference", Boolean, nullable=False, server_default=true()),
    Index("ix_memories_scope", "scope", "persona_id", "user_id"),
    # A prompt lists a relationship's storylines, inside jokes and important
    # memories on every build (migration 0011).
    Index("ix_memories_category", "scope", "persona_id", "user_id", "category", "created_at"),
    Index("ix_memories_importance", "scope", "persona_id", "user_id", "importance"),
    Index("ix_memories_user", "user_id"),
    Index("ix_memories_scope_key", "scope_key", "embedding_model"),
    info=user_data("memories"),
)

memory_tags = Table(
    "memory_tags",
    metadata,
    Column("memory_pk", Integer, ForeignKey("memories.pk", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(100), primary_key=True),
    Index("ix_memory_tags_tag", "tag"),
    # Rows go with their memory (ON DELETE CASCADE from memories).
    info={"user_data": "memories.pk", "export": "memories"},
)

memory_history = Table(
    "memory_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("memory_id", String(36), nullable=False),
    # Owner columns let a user's erasure remove their history too.
    Column("persona_id", String(64)),
    Column("user_id", String(128)),
    Column("event", String(10), nullable=False),
    Column("old_value", JSON),
    Column("new_value", JSON),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_memory_history_memory", "memory_id"),
    Index("ix_memory_history_user", "user_id"),
    info=user_data("history"),
)

user_personas = Table(
    "user_personas",
    metadata,
    Column("handle", String(100), primary_key=True),
    Column("industry", String(200), nullable=False),
    Column("professional_role", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    info=NO_USER_DATA,
)

user_persona_members = Table(
    "user_persona_members",
    metadata,
    Column("user_id", String(128), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "handle",
        String(100),
        ForeignKey("user_personas.handle", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("confidence_score", Float, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_user_persona_members_handle", "handle"),
    info=user_data("memberships"),
)

# Private blocks carry their relationship (persona_id, user_id); shared ones
# their user persona. ``char_limit`` because LIMIT is an SQL keyword.
blocks = Table(
    "blocks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("value", Text, nullable=False),
    Column("char_limit", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("read_only", Boolean, nullable=False),
    Column("owner", String(20), nullable=False),
    Column("persona_id", String(64)),
    Column("user_id", String(128)),
    Column(
        "user_persona_handle",
        String(100),
        ForeignKey("user_personas.handle", ondelete="CASCADE"),
        unique=True,
    ),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("persona_id", "user_id", "label", name="uq_blocks_private_label"),
    Index("ix_blocks_user", "user_id"),
    info=user_data("blocks"),
)

block_attachments = Table(
    "block_attachments",
    metadata,
    Column("block_id", String(36), ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True),
    Column("persona_id", String(64), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(
        ["persona_id", "user_id"],
        ["relationships.persona_id", "relationships.user_id"],
        ondelete="CASCADE",
    ),
    Index("ix_block_attachments_relationship", "persona_id", "user_id"),
    info=user_data("blocks"),
)

profiles = Table(
    "profiles",
    metadata,
    Column("persona_id", String(64), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("categories", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(
        ["persona_id", "user_id"],
        ["relationships.persona_id", "relationships.user_id"],
        ondelete="CASCADE",
    ),
    info=user_data("profiles"),
)

profile_history = Table(
    "profile_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("persona_id", String(64), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("category", String(100), nullable=False),
    Column("event", String(20), nullable=False),
    Column("old_value", JSON),
    Column("new_value", JSON),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_profile_history_relationship", "persona_id", "user_id"),
    Index("ix_profile_history_user", "user_id"),
    info=user_data("profile_history"),
)

user_tokens = Table(
    "user_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(128), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
    Index("ix_user_tokens_user", "user_id"),
    info=user_data("tokens"),
)

# Working memory: a live session of one relationship, and its entries.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("persona_id", String(64), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("status", String(10), nullable=False),
    Column("current_context", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("last_activity_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    # Seed 004's calls.memory_extracted / extracted_facts: set in the same
    # transaction that writes what was learned, so it happens exactly once.
    Column("memory_extracted", Boolean, nullable=False, server_default=false()),
    Column("extracted_facts", JSON),
    ForeignKeyConstraint(
        ["persona_id", "user_id"],
        ["relationships.persona_id", "relationships.user_id"],
        ondelete="CASCADE",
    ),
    Index("ix_sessions_relationship", "persona_id", "user_id"),
    Index("ix_sessions_user", "user_id"),
    Index("ix_sessions_idle", "status", "last_activity_at"),
    info=user_data("sessions"),
)

session_entries = Table(
    "session_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "session_id", String(128), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
    ),
    # The owner again, so that erasure and export find entries by user.
    Column("user_id", String(128), nullable=False),
    Column("role", String(100), nullable=False),
    Column("content", Text, nullable=False),
    Column("timeline", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_session_entries_session", "session_id", "id"),
    Index("ix_session_entries_user", "user_id"),
    info=user_data("session_entries"),
)

# Episodic memory: the summary is a memory (searchable like any); the rest is here.
episodes = Table(
    "episodes",
    metadata,
    Column(
        "session_id", String(128), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "memory_id",
        String(36),
        ForeignKey("memories.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("persona_id", String(64), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("key_topics", JSON, nullable=False),
    Column("decisions", JSON, nullable=False),
    Column("action_items", JSON, nullable=False),
    Column("emotional_tone", String(20), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("timeline_count", Integer, nullable=False),
    Column("duration_seconds", Integer, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_episodes_relationship", "persona_id", "user_id"),
    Index("ix_episodes_user", "user_id"),
    info=user_data("episodes"),
)

# Durable work: learning from an ended session. A job is claimed with a lease;
# a worker killed mid-job leaves it to be claimed again when the lease ends.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(50), nullable=False),
    Column(
        "session_id", String(128), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("user_id", String(128), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("lease_until", UTCDateTime()),
    Column("worker", String(200)),
    Column("error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("kind", "session_id"),
    Index("ix_jobs_status", "status", "lease_until"),
    Index("ix_jobs_user", "user_id"),
    info=user_data("jobs"),
)

# Procedural memory: key -> template, the persona's own (user_id NULL) or one
# relationship's, which overrides the persona's of the same key.
procedures = Table(
    "procedures",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("scope_key", String(255), nullable=False),
    Column("persona_id", String(64), ForeignKey("personas.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(128), ForeignKey("users.id", ondelete="CASCADE")),
    Column("key", String(100), nullable=False),
    Column("template", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("scope_key", "key"),
    Index("ix_procedures_user", "user_id"),
    info=user_data("procedures"),
)

# The last sync of each persona's memory file (core/persona_files.py).
persona_memory_syncs = Table(
    "persona_memory_syncs",
    metadata,
    Column(
        "persona_id", String(64), ForeignKey("personas.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("synced_at", UTCDateTime(), nullable=False),
    Column("file", Text, nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("file_metadata", JSON, nullable=False),
    Column("file_order", JSON, nullable=False),
    info=NO_USER_DATA,
)

# Per conversation, what the continuation coordinator has decided for the reply
# in progress (core/continuation.py). Counters and flags only: no message text.
continuation_states = Table(
    "continuation_states",
    metadata,
    Column(
        "persona_id", String(64), ForeignKey("personas.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("conversation_id", String(200), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    info=NO_USER_DATA,
)

# Shared-scope writes the PII firewall anonymised (core/privacy.py): counts per
# type, never the values, so the table holds nothing about a person.
privacy_redactions = Table(
    "privacy_redactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(10), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("owner", String(100)),
    Column("field", String(50), nullable=False),
    Column("found", JSON, nullable=False),
    Column("source", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_privacy_redactions_target", "target_id"),
    info=NO_USER_DATA,
)

__all__ = [
    "block_attachments",
    "blocks",
    "continuation_states",
    "episodes",
    "jobs",
    "memories",
    "memory_history",
    "memory_tags",
    "metadata",
    "persona_memory_syncs",
    "personas",
    "privacy_redactions",
    "procedures",
    "profile_history",
    "profiles",
    "relationships",
    "session_entries",
    "sessions",
    "user_persona_members",
    "user_personas",
    "user_tokens",
    "users",
]
