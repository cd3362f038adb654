"""Bearer authentication: the admin key, and user tokens that reach only /v1/me.

With no admin key configured the API is open (the CLI then binds only to
loopback); a presented credential is still checked, and a user token still
cannot reach admin routes.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from persona_memory.core.caller import Caller
from persona_memory.core.errors import Forbidden, PersonaMemoryError
from persona_memory.interfaces.http.deps import MemoryDep
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


async def authenticate_first(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Settle who is calling before the body is read, so that a bad credential is a
    401 (and a wrong side a 403) whatever the body holds."""
    if request.url.path.startswith("/v1"):
        memory: Memory = request.app.state.memory
        header = request.headers.get("authorization")
        try:
            principal = await run_in_threadpool(identify, memory, header)
            check_side(principal, request.url.path)
        except PersonaMemoryError as error:
            return error_response(error)
        request.state.principal = principal
    return await call_next(request)


def _principal(request: Request, memory: MemoryDep) -> Principal:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    return identify(memory, request.headers.get("authorization"))


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
