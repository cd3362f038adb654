"""Structured profile memory (seed 002): one JSON document per relationship,
split into categories that each persona declares.

The rules are pure: deep merge, validation against a category's schema, and
the prompt section. The store applies a change inside one transaction.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import jsonschema
import referencing
import referencing.exceptions
import regex
from pydantic import Field, field_validator

from persona_memory.core.base import Model, bounded_json, check_json
from persona_memory.core.errors import InvalidInput, PersonaMemoryError

JSONObject = dict[str, Any]
Categories = dict[str, JSONObject]
Operation = Literal["merge", "replace"]


class ProfileCategory(Model):
    """One category of a persona's profile schema."""

    description: str = ""
    json_schema: JSONObject | None = Field(
        default=None, description="optional JSON Schema the category's object must satisfy"
    )

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, value: JSONObject | None) -> JSONObject | None:
        if value is not None:
            check_schema(value)
        return value


# --- JSON Schemas that can be trusted with a user's input -----------------------
# A category's schema is set by the admin but applied to what users and agents
# send, so applying it must never reach the network, loop, or run unbounded.

PATTERN_SECONDS = 0.05


def _no_retrieval(uri: str) -> referencing.Resource[Any]:
    raise referencing.exceptions.NoSuchResource(uri)


_LOCAL_ONLY: referencing.Registry[Any] = referencing.Registry(
    retrieve=_no_retrieval  # type: ignore[call-arg]  # attrs field, unknown to mypy
)


def _search(pattern: str, text: str) -> bool:
    try:
        return regex.search(pattern, text, timeout=PATTERN_SECONDS) is not None
    except TimeoutError:
        raise ValueError(f"pattern {pattern!r} took too long on this value") from None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string"):
        try:
            if not _search(pattern, instance):
                yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")
        except ValueError as error:
            yield jsonschema.ValidationError(str(error))


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            try:
                matched = _search(pattern, name)
            except ValueError as error:
                yield jsonschema.ValidationError(str(error))
                continue
            if matched:
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


# Patterns run on the regex engine with a time limit (Python's re has none: one
# pattern held a worker 28 s on 30 characters).
_Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties},
)


def check_schema(schema: JSONObject) -> None:
    """Valid against the meta-schema, every reference local (``#...``) and
    resolvable, and not looping on its own; else ValueError."""
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise ValueError(f"not a valid JSON Schema: {error.message}") from error
    for ref in _references(schema):
        if not ref.startswith("#"):
            raise ValueError(f"$ref {ref!r} is not local: only references within the schema")
    try:
        list(_Validator(schema, registry=_LOCAL_ONLY).iter_errors({}))
    except RecursionError:
        raise ValueError("the schema refers to itself without end") from None
    except referencing.exceptions.Unresolvable as error:
        raise ValueError(f"a $ref does not resolve: {error}") from None


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"$ref", "$dynamicRef", "$recursiveRef"} and isinstance(value, str):
                yield value
            yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def schema_errors(schema: JSONObject, data: object) -> jsonschema.ValidationError | None:
    """The most relevant error of ``data`` against ``schema``, or None."""
    try:
        found: jsonschema.ValidationError | None = jsonschema.exceptions.best_match(
            _Validator(schema, registry=_LOCAL_ONLY).iter_errors(data)
        )
        return found
    except (RecursionError, referencing.exceptions.Unresolvable):
        return jsonschema.ValidationError("the schema cannot be applied to this value")


def default_profile_schema() -> dict[str, ProfileCategory]:
    return {
        "personal_info": ProfileCategory(description="Identity, preferences and goals."),
        "areas_to_improve": ProfileCategory(description="Struggles and recurring mistakes."),
        "knowledge_strengths": ProfileCategory(description="What the user has mastered."),
    }


class Profile(Model):
    """What a persona keeps about a user: a JSON object per category
    (``personal_info``, ``areas_to_improve``, ...), at a version that goes up
    with every change."""

    persona_id: str
    user_id: str
    categories: Categories = Field(description="category → JSON object; empty when unset")
    version: int = Field(description="increases with every change; the ETag")
    updated_at: datetime | None = None


class ProfilePatch(Model):
    """One change to a profile: deep-merge ``data`` into ``category``, or replace it."""

    category: str
    data: JSONObject
    operation: Operation = "merge"


class ProfileHistoryEntry(Model):
    """One category's change in a profile's history: its value before and after."""

    id: int
    persona_id: str
    user_id: str
    category: str
    event: str
    old_value: JSONObject | None
    new_value: JSONObject | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CategoryChange:
    """One category's value before and after a change (``None``: absent)."""

    category: str
    old: JSONObject | None
    new: JSONObject | None


def diff(old: Categories, new: Categories) -> list[CategoryChange]:
    """The categories whose value differs, in name order: the history of a change."""
    return [
        CategoryChange(name, old.get(name), new.get(name))
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]


def check_version(expected: int | None, actual: int) -> None:
    """A stale ``If-Match`` (expected version) fails; none means last write wins."""
    if expected is not None and expected != actual:
        raise PreconditionFailed(f'"v{expected}"', actual)


class PreconditionFailed(PersonaMemoryError):
    """The profile changed since it was read: the version expected is not the
    current one (412). Read it again, then retry."""

    status_code = 412
    code = "precondition_failed"

    def __init__(self, expected: str, actual: int | None = None) -> None:
        now = "" if actual is None else f' (it is at "v{actual}")'
        super().__init__(
            f"If-Match {expected} does not match the profile's version{now}: "
            "read the profile again and retry",
            field="If-Match",
        )


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> JSONObject:
    """Recursive merge: objects merge key by key; any other value (lists
    included) replaces the old one; ``None`` deletes the key."""
    merged = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping):
            current = merged.get(key)
            merged[key] = deep_merge(current if isinstance(current, Mapping) else {}, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_category(
    schema: Mapping[str, ProfileCategory], category: str, data: object
) -> JSONObject:
    """The data, if ``category`` is declared and ``data`` is an object that fits."""
    if category not in schema:
        known = ", ".join(schema) or "none"
        raise InvalidInput(
            f"unknown profile category {category!r}; this persona keeps: {known}",
            field="category",
        )
    if not isinstance(data, dict):
        raise InvalidInput(
            f"category {category!r} must be a JSON object, not {type(data).__name__}",
            field=category,
        )
    try:
        check_json(data)
        bounded_json(data)
    except ValueError as unstorable:
        raise InvalidInput(f"category {category!r}: {unstorable}", field=category) from None
    spec = schema[category].json_schema
    if spec is not None:
        error = schema_errors(spec, data)
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(top)"
            raise InvalidInput(
                f"category {category!r} does not fit its schema at {where}: {error.message}",
                field=category,
            )
    return data


def apply(
    schema: Mapping[str, ProfileCategory],
    categories: Categories,
    category: str,
    data: object,
    operation: Operation,
) -> Categories:
    """The categories after merging or replacing one of them (checked against schema)."""
    check_category(schema, category, data)
    assert isinstance(data, dict)
    current = categories.get(category, {})
    new = deep_merge(current, data) if operation == "merge" else copy.deepcopy(data)
    check_category(schema, category, new)
    return {**categories, category: new}


def render_section(
    title: str, schema: Mapping[str, ProfileCategory], categories: Categories
) -> str:
    """The profile as a compact, deterministic prompt section; "" when empty.

    STUDENT MEMORY
    personal_info: {"name": "Anna"}
    areas_to_improve: {"grammar": ["word order"]}
    """
    lines = [category_line(name, categories[name]) for name in schema if categories.get(name)]
    return "\n".join([title, *lines]) if lines else ""


def category_line(name: str, value: object) -> str:
    """One category as a prompt line: ``areas_to_improve: {"grammar": [...]}``."""
    return f"{name}: {json.dumps(value, sort_keys=True, ensure_ascii=False)}"
