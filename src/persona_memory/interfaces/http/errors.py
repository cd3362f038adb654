"""Errors as JSON: ``{"error": {"code", "message", "field"?}}`` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from persona_memory.core.errors import PersonaMemoryError
from persona_memory.interfaces.http.asgi import ASGIApp, Message, Receive, Scope, Send, send_error

logger = logging.getLogger("persona_memory.http")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PersonaMemoryError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


def error_response(error: PersonaMemoryError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
    return JSONResponse({"error": error.to_dict()}, status_code=error.status_code, headers=headers)


async def _domain_error(_request: Request, error: PersonaMemoryError) -> JSONResponse:
    return error_response(error)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
    """The framework's own errors (no such route, wrong method, an unreadable body)
    in the same shape as ours."""
    code = _HTTP_CODES.get(error.status_code, "http_error")
    message = str(error.detail)
    if error.status_code == 404 and message == "Not Found":
        message = "no such route: see /docs for the routes"
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [_describe(problem) for problem in error.errors()]
    first = problems[0] if problems else {"field": None, "message": "invalid request"}
    body: dict[str, Any] = {
        "code": "invalid_input",
        "message": "; ".join(f"{p['field']}: {p['message']}" for p in problems),
        "field": first["field"],
        "problems": problems,
    }
    return JSONResponse({"error": body}, status_code=422)


def _describe(problem: Any) -> dict[str, Any]:
    location = [str(part) for part in problem.get("loc", ())]
    if problem.get("type") == "json_invalid":
        # loc is ("body", <character position>)
        detail = (problem.get("ctx") or {}).get("error", "")
        where = location[1] if len(location) > 1 else "?"
        message = f"the body is not valid JSON (at character {where}) {detail}".strip()
        return {"field": "body", "message": message, "type": "json_invalid"}
    # loc is like ("body", "text") or ("query", "limit"); the field is the rest.
    field = ".".join(location[1:]) or (location[0] if location else "body")
    return {"field": field, "message": problem.get("msg", "invalid"), "type": problem.get("type")}


class ContainErrors:
    """An unexpected exception becomes a 500 in our shape, logged, and goes no
    further. Left to Starlette, the 500 is sent and the exception re-raised; the
    server then drops the connection under a client that was told it could keep
    it alive, so the client's next request was reset."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        progress = {"started": False, "done": False}

        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                progress["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                progress["done"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            logger.exception("unexpected error in %s %s", scope["method"], scope["path"])
            if progress["started"] and not progress["done"]:
                raise  # half a response: only closing the connection tells the client
            if not progress["started"]:
                message = "unexpected server error; it is logged on the server"
                await send_error(send, 500, "internal_error", message)
