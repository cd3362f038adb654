"""Bounds on what a request may carry, enforced before anything reads it.

Pure ASGI so that an oversized body is refused without being buffered: by its
Content-Length when it has one, else while it streams in.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from persona_memory.interfaces.http.asgi import ASGIApp, Message, Receive, Scope, Send, send_error


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_bytes:
                await self._refuse(send, length.isdigit())
                return
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read up to the limit, then replay it.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send, True)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, too_large: bool) -> None:
        if too_large:
            message = f"the request body is larger than {self.max_bytes} bytes"
            await send_error(send, 413, "body_too_large", message, "body")
        else:
            await send_error(send, 400, "bad_request", "Content-Length is not a number", "body")


class RefuseNul:
    """A NUL character in the path or the query string is refused (422) as it is
    in a body: no id or filter can hold one, and PostgreSQL text cannot store one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if "\x00" in scope["path"]:
                message = "the path holds a NUL character"
                await send_error(send, 422, "invalid_input", message, "path")
                return
            if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
                message = "the query string holds a NUL character"
                await send_error(send, 422, "invalid_input", message, "query")
                return
        await self.app(scope, receive, send)
