"""The real PostgreSQL + pgvector server starts here and does what a Postgres store will need."""

from __future__ import annotations

import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa
from pgvector.sqlalchemy import VECTOR

from tests.pgserver import PgServer, start_server

pytestmark = pytest.mark.postgres

ROWS = [
    # id, owner, text, embedding
    (1, "sage", "An apple a day keeps the doctor away", [1.0, 0.0, 0.0]),
    (2, "sage", "We walked along the river at dusk", [0.9, 0.1, 0.0]),
    (3, "brad", "Apples fell into the river", [1.0, 0.0, 0.0]),
    (4, "sage", "The mountain was covered in snow", [0.0, 0.0, 1.0]),
    (5, "sage", "Rivers and apples, apples and rivers", [0.0, 1.0, 0.0]),
]

# relaxed_order may return rows slightly out of order, so the outer query re-sorts them.
NEAREST = (
    "WITH nearest AS MATERIALIZED ("
    " SELECT id, embedding <=> :query AS distance FROM memories WHERE owner = :owner"
    " ORDER BY embedding <=> :query LIMIT 2"
    ") SELECT id, distance FROM nearest ORDER BY distance, id"
)


def _engine(url: str) -> sa.Engine:
    # No pool: every connection is closed when its block ends, so DROP DATABASE finds none.
    return sa.create_engine(url, poolclass=sa.NullPool)


def _with_vector(query: str) -> sa.TextClause:
    return sa.text(query).bindparams(sa.bindparam("query", type_=VECTOR(3)))


def test_vector_and_full_text_search_from_a_template(pg_server: PgServer) -> None:
    template_url = pg_server.create_database("smoke_template")
    template = _engine(template_url)
    with template.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
        conn.execute(
            sa.text(
                "CREATE TABLE memories (id int PRIMARY KEY, owner text NOT NULL,"
                " text text NOT NULL, embedding vector(3) NOT NULL)"
            )
        )
        conn.execute(
            sa.text(
                "CREATE INDEX memories_hnsw ON memories USING hnsw (embedding vector_cosine_ops)"
            )
        )
        conn.execute(
            sa.text(
                "CREATE INDEX memories_fts ON memories USING gin (to_tsvector('english', text))"
            )
        )
        conn.execute(
            sa.text("INSERT INTO memories VALUES (:id, :owner, :text, :embedding)").bindparams(
                sa.bindparam("embedding", type_=VECTOR(3))
            ),
            [dict(zip(("id", "owner", "text", "embedding"), row, strict=True)) for row in ROWS],
        )

    started = time.perf_counter()
    url = pg_server.create_database("smoke", template="smoke_template")
    # A sanity bound only: shared CI machines are noisy, and this takes well under a second.
    assert time.perf_counter() - started < 30

    engine = _engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("SET hnsw.iterative_scan = relaxed_order"))
        conn.execute(sa.text("SET enable_seqscan = off"))  # five rows: make the planner use HNSW
        params = {"query": [1.0, 0.0, 0.0], "owner": "sage"}
        plan = "\n".join(conn.execute(_with_vector(f"EXPLAIN {NEAREST}"), params).scalars())
        assert "memories_hnsw" in plan
        rows = conn.execute(_with_vector(NEAREST), params).all()
        assert [row.id for row in rows] == [1, 2]  # brad's identical vector is filtered out
        assert rows[0].distance == pytest.approx(0.0, abs=1e-6)

        ranked = conn.execute(
            sa.text(
                "SELECT id, ts_rank(to_tsvector('english', text), query) AS rank"
                " FROM memories, to_tsquery('english', 'apple | river') AS query"
                " WHERE to_tsvector('english', text) @@ query ORDER BY rank DESC, id"
            )
        ).all()
        assert {row.id for row in ranked} == {1, 2, 3, 5}  # stemming: apples, rivers match
        assert ranked[0].id == 5  # two matching terms, each twice
        assert all(row.rank > 0 for row in ranked)

        version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
        assert int(version) >= 180000
    pg_server.drop_database("smoke")
    pg_server.drop_database("smoke_template")


@pytest.mark.slow  # a second server: one more initdb
def test_stop_twice_leaves_no_server_and_no_files(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    server.create_database("scratch")
    server.stop()
    server.stop()
    assert not server.home.exists()
    assert not _running(server.pid)


def _running(pid: int) -> bool:
    try:
        # A zombie has stopped; only its parent (init, as pg_ctl detaches it) has not reaped it.
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
