"""One transaction: every concept's rows over one connection."""

from __future__ import annotations

from sqlalchemy import Connection

from persona_memory.storage.index import SearchIndex
from persona_memory.storage.sql.blocks import BlockSql
from persona_memory.storage.sql.jobs import JobSql
from persona_memory.storage.sql.memories import MemorySql
from persona_memory.storage.sql.persona_files import ContinuationSql, PersonaFileSql
from persona_memory.storage.sql.personas import PersonaSql
from persona_memory.storage.sql.privacy import PrivacySql
from persona_memory.storage.sql.procedures import ProcedureSql
from persona_memory.storage.sql.profiles import ProfileSql
from persona_memory.storage.sql.sessions import SessionSql
from persona_memory.storage.sql.tokens import TokenSql
from persona_memory.storage.sql.transfer import TransferSql
from persona_memory.storage.sql.user_personas import UserPersonaSql
from persona_memory.storage.sql.users import UserSql


class SqlTransaction(
    PersonaSql,
    UserSql,
    MemorySql,
    BlockSql,
    UserPersonaSql,
    ProfileSql,
    TokenSql,
    SessionSql,
    ProcedureSql,
    JobSql,
    PersonaFileSql,
    ContinuationSql,
    PrivacySql,
    TransferSql,
):
    """Satisfies :class:`persona_memory.core.ports.Transaction`."""

    def __init__(self, connection: Connection, index: SearchIndex) -> None:
        self.connection = connection
        self.index = index
