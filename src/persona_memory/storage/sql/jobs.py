"""Job rows: the durable queue of learning work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, or_, select, update

from persona_memory.core.jobs import Job, JobStatus
from persona_memory.storage.schema import jobs
from persona_memory.storage.sql.base import Rows


class JobSql(Rows):
    def enqueue_job(self, kind: str, session_id: str, user_id: str, now: datetime) -> int:
        existing = self.connection.execute(
            select(jobs.c.id).where(jobs.c.kind == kind, jobs.c.session_id == session_id)
        ).scalar()
        if existing is not None:
            return int(existing)
        values = {
            "kind": kind,
            "session_id": session_id,
            "user_id": user_id,
            "status": JobStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        return int(
            self.connection.execute(insert(jobs).values(values).returning(jobs.c.id)).scalar_one()
        )

    def get_job(self, job_id: int, *, for_update: bool = False) -> Job | None:
        statement = select(jobs).where(jobs.c.id == job_id)
        if for_update:
            statement = statement.with_for_update()
        row = self.connection.execute(statement).first()
        return None if row is None else Job.model_validate(dict(row._mapping))

    def next_job(self, now: datetime) -> Job | None:
        claimable = or_(
            jobs.c.status == JobStatus.PENDING.value,
            and_(jobs.c.status == JobStatus.RUNNING.value, jobs.c.lease_until <= now),
        )
        statement = select(jobs).where(claimable).order_by(jobs.c.id).limit(1)
        if self.connection.dialect.name == "postgresql":
            # Concurrent workers each take a different job instead of queueing on one.
            statement = statement.with_for_update(skip_locked=True)
        row = self.connection.execute(statement).first()
        return None if row is None else Job.model_validate(dict(row._mapping))

    def update_job(self, job: Job) -> None:
        values = job.model_dump(exclude={"id", "kind", "session_id", "user_id", "created_at"})
        self.connection.execute(update(jobs).where(jobs.c.id == job.id).values(values))

    def user_jobs(self, user_id: str) -> list[Job]:
        statement = select(jobs).where(jobs.c.user_id == user_id).order_by(jobs.c.id)
        return [
            Job.model_validate(dict(row._mapping)) for row in self.connection.execute(statement)
        ]

    def count_jobs(self, status: JobStatus) -> int:
        statement = select(jobs.c.id).where(jobs.c.status == status.value)
        return len(self.connection.execute(statement).all())
