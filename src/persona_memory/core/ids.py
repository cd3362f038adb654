"""Identifier rules, in one place.

Persona ids are slugs we mint ourselves; user ids are the caller's own strings
(emails and UUIDs included), so their rule is looser; session ids also name
transcript files. All are checked here and nowhere else.
"""

from __future__ import annotations

import re
import uuid

from persona_memory.core.errors import InvalidInput

PERSONA_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
USER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@:+-]{0,127}$"
# Session ids become transcript file names: no '/', no leading '.', so never '..'
# nor a hidden file.
SESSION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"

_PERSONA_ID = re.compile(PERSONA_ID_PATTERN)
_USER_ID = re.compile(USER_ID_PATTERN)
_SESSION_ID = re.compile(SESSION_ID_PATTERN)


def _check(rule: re.Pattern[str], value: str, field: str, what: str) -> str:
    if not rule.fullmatch(value):
        raise InvalidInput(f"{field} {value!r} is not {what}", field=field)
    return value


def check_persona_id(value: str, field: str = "persona_id") -> str:
    return _check(
        _PERSONA_ID,
        value,
        field,
        "a valid slug: use 1-64 lowercase letters, digits, '-' or '_', "
        "starting with a letter or digit",
    )


def check_user_id(value: str, field: str = "user_id") -> str:
    return _check(
        _USER_ID,
        value,
        field,
        "a valid user id: use 1-128 letters, digits or '_.@:+-', starting with a letter or digit",
    )


def check_session_id(value: str, field: str = "session_id") -> str:
    return _check(
        _SESSION_ID,
        value,
        field,
        "a valid session id: use 1-128 letters, digits or '_.:-', starting with a letter or digit",
    )


def new_memory_id() -> str:
    return str(uuid.uuid4())
