"""What every concept's models share: strict models, safe JSON, UTC time."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

JSONObject = dict[str, Any]

# Bounds on what a request may carry (docs/security.md lists them): a memory
# layer stores facts, not documents; anything larger is a mistake or an attack.
MAX_JSON_BYTES = 64 * 1024
MAX_PROMPT_CHARS = 32_000
MAX_DESCRIPTION_CHARS = 10_000
MAX_NAME_CHARS = 200
MAX_TAGS = 50
MAX_TAG_CHARS = 100
MAX_RULES = 100
MAX_RULE_CHARS = 1_000
MAX_QUERY_CHARS = 2_000

# Deeper values are refused on the way in: serialising them later fails (a
# stored value that no read can return), and nothing a memory needs nests so.
MAX_JSON_DEPTH = 32


def utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+05:00 is before the first representable instant in UTC.
        raise ValueError("date is out of range once converted to UTC") from None


def _text_only(value: Any) -> Any:
    """A date-time comes as ISO 8601 text, as the schema says; pydantic would also
    read a number as a Unix time, and a bool as 0 or 1."""
    if isinstance(value, int | float):
        raise ValueError("a date-time is ISO 8601 text, e.g. 2024-05-01T12:00:00Z")
    return value


UTCDatetime = Annotated[datetime, BeforeValidator(_text_only), AfterValidator(_as_utc)]


def bounded_json(value: Any) -> Any:
    """``value``, if its JSON is at most MAX_JSON_BYTES (else ValueError)."""
    size = len(json.dumps(value, ensure_ascii=False, default=str).encode())
    if size > MAX_JSON_BYTES:
        raise ValueError(f"is {size} bytes as JSON; the limit is {MAX_JSON_BYTES}")
    return value


BoundedJSON = Annotated[JSONObject, AfterValidator(bounded_json)]
Tags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=MAX_TAG_CHARS)]],
    Field(max_length=MAX_TAGS),
]
Rules = Annotated[
    list[Annotated[str, Field(max_length=MAX_RULE_CHARS)]], Field(max_length=MAX_RULES)
]


def check_json(value: object, depth: int = 0) -> None:
    """Refuse what cannot be stored and read back as JSON or text: strings with a
    lone surrogate (invalid UTF-8) or a NUL character, NaN and infinities (not
    JSON; PostgreSQL's jsonb refuses them), and nesting deeper than
    MAX_JSON_DEPTH. Raises ValueError, which the models turn into a 422."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("NaN and Infinity are not JSON numbers")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                _check_text(key)
            check_json(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_json(item, depth + 1)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (a lone surrogate)") from None
    if "\x00" in text:
        raise ValueError("text contains a NUL character")


def refuse_nulls(model: BaseModel, optional: frozenset[str] = frozenset()) -> None:
    """A partial update leaves out what it does not change; an explicit null for a
    field that cannot be empty is a mistake to report, not a value to store."""
    for name in model.model_fields_set - optional:
        if getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null: leave it out to keep it")


# Validation context for values read back from our own store: they were checked
# on the way in, and walking every string of every row again on each read cost
# more than the query (a prompt reads hundreds of memories).
STORED = "stored"
FROM_STORE = {STORED: True}


class Model(BaseModel):
    """A request or record model: unknown fields are an error, not ignored, and no
    value that could not be stored and read back gets in."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context is None or not info.context.get(STORED):
            check_json(data)
        return data


class Output(BaseModel):
    """A model our own code builds from values already checked, never from a
    request (a prompt's manifest): unknown fields are still an error, but its
    strings are not walked again. Walking a prompt's hundred items on every
    build cost ~1 ms."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
