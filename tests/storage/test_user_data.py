"""Erasure and export follow the schema: every table declares whether it holds a
user's data, erasure leaves no row that names the user in any table, and the
export has a field for every table that holds such rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, select, text

from persona_memory import Memory, PersonaCreate, RelationshipUpdate, UserExport
from persona_memory.core.procedures import ProcedurePut
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.core.tokens import TokenCreate
from persona_memory.storage.schema import metadata
from persona_memory.storage.user_data import undeclared_tables

USER = "alice@example.com"


def test_every_table_declares_its_user_data() -> None:
    assert undeclared_tables(metadata) == []
    for table in metadata.sorted_tables:
        export = table.info.get("export")
        if table.info["user_data"] is not None:
            assert export in UserExport.model_fields, table.name


def test_a_new_table_that_declares_nothing_is_caught() -> None:
    copy = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    Table("undeclared", copy, Column("id", Integer, primary_key=True), Column("user_id", String))
    assert [t.name for t in undeclared_tables(copy)] == ["undeclared"]


def _everything_about(memory: Memory, user: str) -> None:
    """Touch every kind of row a user can have."""
    memory.personas.create(PersonaCreate(id="sage", name="Sage"))
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.add("likes tea", persona_id="sage", user_id=user, tags=["drink"])
    memory.relationships.put("brad", user, RelationshipUpdate(relationship_type="friend"))
    memory.blocks.append("brad", user, "human", f"{user} likes bikes")
    memory.profiles.update("sage", user, "personal_info", {"email": user})
    memory.user_personas.join(user, "qsr_real_estate")
    memory.tokens.issue(user, TokenCreate(name="phone"))
    session = memory.sessions.start(SessionCreate(persona_id="brad", user_id=user))
    memory.sessions.add_entries(session.id, [EntryCreate(content=f"{user} is moving house")])
    memory.sessions.end(session.id)
    memory.procedures.put("brad", "greeting", ProcedurePut(template="Hi!"), user_id=user)


def _rows_naming(memory: Memory, user: str) -> dict[str, int]:
    """Rows of every table in the database (ours or not) with a text column equal to
    or containing the user id."""
    engine = memory.store.engine  # type: ignore[attr-defined]
    found: dict[str, int] = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for name in inspector.get_table_names():
            columns = [
                c["name"]
                for c in inspector.get_columns(name)
                if "CHAR" in str(c["type"]).upper()
                or "TEXT" in str(c["type"]).upper()
                or "JSON" in str(c["type"]).upper()
            ]
            for column in columns:
                cast = f'CAST("{column}" AS TEXT)'
                count = connection.execute(
                    text(f'SELECT count(*) FROM "{name}" WHERE {cast} LIKE :u'), {"u": f"%{user}%"}
                ).scalar_one()
                if count:
                    found[f"{name}.{column}"] = int(count)
    return found


def test_erasure_leaves_no_row_and_export_misses_no_table(memory: Memory) -> None:
    _everything_about(memory, USER)
    memory.add("bob's own", persona_id="sage", user_id="bob")
    naming = _rows_naming(memory, USER)
    tables = {key.split(".")[0] for key in naming}
    declared = {t.name for t in metadata.sorted_tables if t.info["user_data"] is not None}
    assert declared - {"memory_tags", "block_attachments"} <= tables | {"memory_tags"}

    export = memory.users.export(USER).model_dump(mode="json")
    for table in metadata.sorted_tables:
        if table.info["user_data"] is not None:
            assert export[table.info["export"]], (table.name, table.info["export"])

    memory.users.erase(USER)
    assert _rows_naming(memory, USER) == {}
    assert _rows_naming(memory, "bob")  # erasing one user leaves the others alone


@pytest.mark.parametrize("table", [t for t in metadata.sorted_tables if t.info["user_data"]])
def test_erasure_reaches_each_declared_table(memory: Memory, table: Table) -> None:
    """Each declared table has rows for the user after the workload, and none after."""
    _everything_about(memory, USER)
    engine = memory.store.engine  # type: ignore[attr-defined]

    def count() -> int:
        column = table.info["user_data"]
        if "." in column:  # rows that go with their parent: count through it
            parent, key = column.split(".")
            parent_table = metadata.tables[parent]
            fk = next(iter(table.foreign_keys)).parent
            query: Any = (
                select(fk)
                .select_from(table.join(parent_table, fk == parent_table.c[key]))
                .where(parent_table.c.user_id == USER)
            )
        else:
            query = select(table.c[column]).where(table.c[column] == USER)
        with engine.connect() as connection:
            return len(connection.execute(query).all())

    assert count() > 0, table.name
    memory.users.erase(USER)
    assert count() == 0, table.name
