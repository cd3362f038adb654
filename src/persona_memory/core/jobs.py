"""Durable jobs: work that must happen once even if the process dies mid-way.

Ending a session with flush enqueues a ``learn`` job in the same transaction
that ends it. A worker claims the job with a lease, runs the pipeline, and
writes what it learned together with ``done`` in one transaction; a worker
killed before that commit leaves the job ``running`` with a lease that runs
out, and the next claim takes it again. The session's ``memory_extracted``
flag, set in that same transaction, makes a second run a no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from persona_memory.core.base import Model, UTCDatetime

LEARN = "learn"
MAX_ATTEMPTS = 5


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Model):
    id: int
    kind: str
    session_id: str
    user_id: str
    status: JobStatus
    attempts: int
    lease_until: UTCDatetime | None = None
    worker: str | None = None
    error: str | None = None
    created_at: UTCDatetime
    updated_at: UTCDatetime


def claimable(job: Job, now: datetime) -> bool:
    """Pending, or running under a lease that has run out (its worker died)."""
    if job.status is JobStatus.PENDING:
        return True
    return job.status is JobStatus.RUNNING and (job.lease_until is None or job.lease_until <= now)


def claimed(job: Job, worker: str, now: datetime, lease: timedelta) -> Job:
    return job.model_copy(
        update={
            "status": JobStatus.RUNNING,
            "attempts": job.attempts + 1,
            "lease_until": now + lease,
            "worker": worker,
            "updated_at": now,
        }
    )


def finished(job: Job, now: datetime) -> Job:
    return job.model_copy(
        update={"status": JobStatus.DONE, "lease_until": None, "error": None, "updated_at": now}
    )


def failed(job: Job, error: str, now: datetime) -> Job:
    """Back to pending for another try, or failed for good after MAX_ATTEMPTS."""
    status = JobStatus.FAILED if job.attempts >= MAX_ATTEMPTS else JobStatus.PENDING
    return job.model_copy(
        update={"status": status, "lease_until": None, "error": error[:2000], "updated_at": now}
    )
