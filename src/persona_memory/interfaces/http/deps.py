"""Request dependencies: the one ``Memory`` the app serves, and models built
from query parameters."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from persona_memory.memory import Memory


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` one in
# the thread pool, a thread hop per dependency per request.
async def _memory(request: Request) -> Memory:
    memory: Memory = request.app.state.memory
    return memory


MemoryDep = Annotated[Memory, Depends(_memory)]

M = TypeVar("M", bound=BaseModel)


def from_query(model: type[M], **values: Any) -> M:
    """A model from query parameters, its bounds checked as a body's would be:
    a value out of bounds is a 422 naming the parameter, not a 500."""
    try:
        return model(**values)
    except ValidationError as error:
        problems = [{**problem, "loc": ("query", *problem["loc"])} for problem in error.errors()]
        raise RequestValidationError(problems) from None
