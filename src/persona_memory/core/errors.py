"""The base of the exception hierarchy; each error knows its HTTP status.

Every error names the problem (and, where there is one, the field) so that a
caller can act on it without reading our code. Errors that belong to one
concept (``PersonaNotFound``, ``BlockReadOnly``...) live in that concept's
module and derive from these.
"""

from __future__ import annotations


class PersonaMemoryError(Exception):
    """Base of every error this package raises on purpose."""

    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        """The error as the API returns it: ``code``, ``message``, and ``field`` if any."""
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class NotFoundError(PersonaMemoryError):
    """What was named does not exist (404); each kind has its own, such as
    ``PersonaNotFound``."""

    status_code = 404
    code = "not_found"


class Forbidden(PersonaMemoryError):
    """The caller is known but may not act on this (another user's data)."""

    status_code = 403
    code = "forbidden"


class ConflictError(PersonaMemoryError):
    """The request clashes with what is stored (409)."""

    status_code = 409
    code = "conflict"


class AlreadyExists(ConflictError):
    """Creating something with an id that is taken (409)."""

    code = "already_exists"

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} already exists", field="id")


class InvalidInput(PersonaMemoryError):
    """A value is well-formed JSON but not acceptable (422)."""

    status_code = 422
    code = "invalid_input"


class TextTooLong(PersonaMemoryError):
    """A text is longer than its limit allows (413)."""

    status_code = 413
    code = "text_too_long"

    def __init__(self, length: int, limit: int, field: str = "text") -> None:
        super().__init__(f"{field} is {length} characters long; the limit is {limit}", field=field)
