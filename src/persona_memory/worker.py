"""The learning worker: takes queued jobs (sessions ended with flush) and runs
them, one at a time, until stopped. Start as many as you like: a job is held
by one worker under a lease, and one killed mid-job is retried by another
when its lease runs out (core/jobs.py)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from persona_memory.core.jobs import Job
from persona_memory.memory import Memory

logger = logging.getLogger("persona_memory.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def drain(memory: Memory, *, worker: str | None = None) -> list[Job]:
    """Run every claimable job now; the jobs as they ended."""
    done = []
    lease = timedelta(seconds=memory.settings.job_lease_seconds)
    while (job := memory.learning.run_next_job(worker or worker_name(), lease)) is not None:
        done.append(job)
    return done


def run(memory: Memory, stop: threading.Event) -> None:
    """Drain, then wait ``worker_poll_seconds``, until ``stop`` is set."""
    name = worker_name()
    logger.info("worker %s started", name)
    while not stop.is_set():
        for job in drain(memory, worker=name):
            logger.info("job %s (%s): %s", job.id, job.session_id, job.status)
        stop.wait(memory.settings.worker_poll_seconds)
