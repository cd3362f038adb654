"""Request dependencies: the one ``Memory`` the app serves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from persona_memory.memory import Memory


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` one in
# the thread pool, a thread hop per dependency per request.
async def _memory(request: Request) -> Memory:
    memory: Memory = request.app.state.memory
    return memory


MemoryDep = Annotated[Memory, Depends(_memory)]
