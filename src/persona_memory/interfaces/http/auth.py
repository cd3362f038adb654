"""Bearer authentication: the admin key, and user tokens that reach only /v1/me.

With no admin key configured the API is open (the CLI then binds only to
loopback); a presented credential is still checked, and a user token still
cannot reach admin routes.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from persona_memory.core.caller import Caller
from persona_memory.core.errors import Forbidden, PersonaMemoryError
from persona_memory.interfaces.http.asgi import ASGIApp, Receive, Scope, Send
from persona_memory.interfaces.http.errors import error_response
from persona_memory.memory import Memory


class Unauthorized(PersonaMemoryError):
    status_code = 401
    code = "unauthorized"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the admin, one user, or — in open mode — anybody."""

    user_id: str | None = None
    anonymous: bool = False

    @property
    def is_admin(self) -> bool:
        return self.user_id is None


def identify(memory: Memory, header: str | None) -> Principal:
    """The caller a credential names, or Unauthorized."""
    admin_key = memory.settings.admin_key
    if header is None:
        if admin_key is None:
            return Principal(anonymous=True)
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <key>'")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized("malformed Authorization header: use 'Bearer <key>'")
    if admin_key is not None and hmac.compare_digest(
        credential.encode(), admin_key.get_secret_value().encode()
    ):
        return Principal()
    user_id = memory.tokens.user_for(credential)
    if user_id is None:
        raise Unauthorized("invalid, expired or revoked token")
    return Principal(user_id=user_id)


def check_side(principal: Principal, path: str) -> None:
    """User tokens reach /v1/me only; everything else under /v1 is the admin's."""
    if path == "/v1/me" or path.startswith("/v1/me/"):
        if principal.anonymous:
            raise Unauthorized("missing bearer token: /v1/me needs a user token")
        if principal.user_id is None:
            raise Forbidden("/v1/me needs a user token, not the admin key")
    elif not principal.is_admin:
        raise Forbidden("a user token can only reach /v1/me/...")


class AuthenticateFirst:
    """Settle who is calling before the body is read, so that a bad credential is a
    401 (and a wrong side a 403) whatever the body holds.

    Pure ASGI: ``BaseHTTPMiddleware`` ran each request through a task group and
    memory streams, and the thread pool is only needed when a token must be
    looked up in the database (the admin key and open mode need no I/O)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1"):
            memory: Memory = scope["app"].state.memory
            header = Headers(scope=scope).get("authorization")
            try:
                principal = _without_lookup(memory, header)
                if principal is None:
                    principal = await run_in_threadpool(identify, memory, header)
                check_side(principal, scope["path"])
            except PersonaMemoryError as error:
                await error_response(error)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def _without_lookup(memory: Memory, header: str | None) -> Principal | None:
    """The caller when no token lookup is needed; None when one is."""
    if header is None:
        return identify(memory, header)  # anonymous, or a 401: no I/O either way
    admin_key = memory.settings.admin_key
    if admin_key is None:
        return None
    scheme, _, credential = header.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        credential.strip().encode(), admin_key.get_secret_value().encode()
    ):
        return Principal()
    return None


async def _principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    memory: Memory = request.app.state.memory
    return await run_in_threadpool(identify, memory, request.headers.get("authorization"))


PrincipalDep = Annotated[Principal, Depends(_principal)]


async def require_admin(principal: PrincipalDep) -> None:
    if not principal.is_admin:
        raise Forbidden("a user token can only reach /v1/me/...")


async def require_user(principal: PrincipalDep) -> str:
    if principal.anonymous:
        raise Unauthorized("missing bearer token: /v1/me needs a user token")
    if principal.user_id is None:
        raise Forbidden("/v1/me needs a user token, not the admin key")
    return principal.user_id


CurrentUser = Annotated[str, Depends(require_user)]


async def _user_caller(user_id: CurrentUser) -> Caller:
    return Caller.user(user_id)


UserCaller = Annotated[Caller, Depends(_user_caller)]
