"""Reading a JSON object out of what a chat model wrote.

Local models wrap JSON in code fences, add prose before or after it, use single
quotes, leave trailing commas or Python literals (True, None). This finds the
object and repairs those slips; what it returns is then validated against a
pydantic model by the caller, which retries once with the error.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_PYTHON_WORDS = {"True": "true", "False": "false", "None": "null"}


class NoJSON(ValueError):
    """The text holds no JSON object, even after repair."""


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``, repaired if need be."""
    for candidate in _candidates(text):
        parsed = _parse(candidate)
        if isinstance(parsed, dict):
            return parsed
    raise NoJSON(f"no JSON object in the model's answer: {text[:200]!r}")


def _candidates(text: str) -> list[str]:
    """Fenced blocks first, then the outermost {...} span, then the whole text."""
    found = [block.strip() for block in _FENCE.findall(text)]
    span = _outer_object(text)
    if span is not None:
        found.append(span)
    found.append(text.strip())
    return found


def _outer_object(text: str) -> str | None:
    """From the first '{' to its matching '}', skipping braces inside strings."""
    start = text.find("{")
    if start < 0:
        return None
    depth, quote, escaped = 0, "", False
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    return text[start:]  # cut off: the repair pass may still close it


def _parse(candidate: str) -> Any:
    try:
        return json.loads(candidate)
    except json.JSONDecodeError:
        pass
    repaired = _repair(candidate)
    try:
        return json.loads(repaired)
    except json.JSONDecodeError:
        pass
    try:
        # Single quotes and Python literals: a Python dict literal, read safely.
        return ast.literal_eval(candidate)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _repair(candidate: str) -> str:
    text = _TRAILING_COMMA.sub(r"\1", candidate)
    for python, literal in _PYTHON_WORDS.items():
        text = re.sub(rf"\b{python}\b", literal, text)
    return _close(text)


def _close(text: str) -> str:
    """Close the strings, arrays and objects a cut-off answer left open."""
    stack: list[str] = []
    quote, escaped = False, False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quote = False
        elif char == '"':
            quote = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    return text + ('"' if quote else "") + "".join(reversed(stack))
