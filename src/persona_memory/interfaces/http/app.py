"""The FastAPI application: routes under /v1, OpenAPI at /docs, the admin UI at
/admin."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import Depends, FastAPI

from persona_memory.__about__ import __version__
from persona_memory.core.jobs import JobStatus
from persona_memory.interfaces.http.auth import AuthenticateFirst, require_admin
from persona_memory.interfaces.http.deps import MemoryDep
from persona_memory.interfaces.http.errors import ContainErrors, install_error_handlers
from persona_memory.interfaces.http.limits import BodyLimit, RefuseNul
from persona_memory.interfaces.http.openapi import build_openapi
from persona_memory.interfaces.http.pages import install_pages
from persona_memory.interfaces.http.routes import (
    admin,
    blocks,
    continuation,
    me,
    memories,
    personas,
    procedures,
    profiles,
    prompts,
    sessions,
    tokens,
    tools,
    user_personas,
    users,
)
from persona_memory.memory import Memory

ADMIN_ROUTERS = (
    personas,
    users,
    memories,
    blocks,
    user_personas,
    profiles,
    tokens,
    tools,
    sessions,
    procedures,
    prompts,
    continuation,
    admin,
)


def create_app(memory: Memory) -> FastAPI:
    app = FastAPI(
        title="persona-memory",
        version=__version__,
        description="Memory for LLM agents that play personas.",
        # Served from the package instead (pages.py): FastAPI's own load from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.memory = memory
    install_error_handlers(app)
    app.add_middleware(AuthenticateFirst)
    # Each added one wraps the ones before: nothing reads a body before its size
    # is checked, and no exception gets past ContainErrors.
    app.add_middleware(RefuseNul)
    app.add_middleware(BodyLimit, max_bytes=memory.settings.max_body_bytes)
    app.add_middleware(ContainErrors)
    for module in ADMIN_ROUTERS:
        app.include_router(module.router, prefix="/v1", dependencies=[Depends(require_admin)])
    app.include_router(me.router, prefix="/v1")  # each route asks for a user token
    install_pages(app)

    @app.get("/healthz", tags=["health"])
    def healthz(memory: MemoryDep) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "embedding_model": memory.embedder.model_name,
            "llm": {
                "configured": memory.llm is not None,
                "model": memory.settings.llm_model if memory.llm is not None else None,
                # Summaries and fact extractions done offline because the endpoint failed.
                "fallbacks": getattr(memory.summarizer, "fallbacks", 0)
                + getattr(memory.extractor, "fallbacks", 0),
            },
            "jobs": {
                "pending": memory.learning.count_jobs(JobStatus.PENDING),
                "failed": memory.learning.count_jobs(JobStatus.FAILED),
            },
        }

    # FastAPI's documented way to extend the schema: replace app.openapi.
    app.openapi = partial(build_openapi, app)  # type: ignore[method-assign]
    return app
