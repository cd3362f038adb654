"""What every concept's rows share: the transaction's connection and search index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Select

if TYPE_CHECKING:
    from persona_memory.storage.index import SearchIndex

S = TypeVar("S", bound=Select[Any])


class Rows:
    connection: Connection
    index: SearchIndex


def locked(statement: S, for_update: bool) -> S:
    """``SELECT ... FOR NO KEY UPDATE`` when asked: PostgreSQL locks the rows until
    the transaction ends; SQLite's write transaction already holds the only lock.

    NO KEY (we never change a primary key) because inserting a row that refers to
    this one takes a KEY SHARE lock on it, which FOR UPDATE would wait for: two
    writers that each attach a shared block and then edit it would deadlock.
    """
    return statement.with_for_update(key_share=True) if for_update else statement
