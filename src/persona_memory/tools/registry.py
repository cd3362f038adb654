"""The tool registry: name, docstring, argument model and handler, once per tool.

A tool's JSON schema is its argument model's schema; the OpenAI and Anthropic
formats are two wrappings of that one schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from persona_memory.core.base import Model
from persona_memory.core.caller import Caller
from persona_memory.core.errors import Forbidden, InvalidInput, NotFoundError, PersonaMemoryError

if TYPE_CHECKING:
    from persona_memory.memory import Memory

SchemaFormat = Literal["openai", "anthropic"]
ToolResult = dict[str, Any]


class ToolContext(Model):
    """Who is calling: the agent instance (persona + user) and its session.

    A tool acts as this caller; its arguments can never name another user.
    """

    persona_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None

    def caller(self) -> Caller:
        """The caller a tool acts as: an agent of this persona, for this user."""
        return Caller.agent(self.persona_id, self.user_id, self.session_id)


Handler = Callable[["Memory", Caller, Any], ToolResult]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    handler: Handler

    def parameters(self) -> dict[str, Any]:
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        for field in schema.get("properties", {}).values():
            field.pop("title", None)
        return schema

    def schema(self, format: SchemaFormat) -> dict[str, Any]:
        if format == "openai":
            return {
                "type": "function",
                "function": {
                    "name": self.name,
                    "description": self.description,
                    "parameters": self.parameters(),
                },
            }
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.parameters(),
        }


class ToolNotFound(NotFoundError):
    code = "tool_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"no tool named {name!r}", field="name")


class ToolRegistry:
    """Agent tools, each defined once, with schemas for OpenAI or Anthropic.

    Reached as ``memory.tools``, which holds the built-in tools;
    ``memory.invoke_tool`` runs one."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def tool(
        self, arguments: type[BaseModel], name: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Register a handler; its docstring is the description the model reads."""

        def register(handler: Handler) -> Handler:
            tool_name = name or handler.__name__
            description = " ".join((handler.__doc__ or "").split())
            self._tools[tool_name] = Tool(tool_name, description, arguments, handler)
            return handler

        return register

    def get(self, name: str) -> Tool:
        """The tool named ``name``; ``ToolNotFound`` if there is none."""
        try:
            return self._tools[name]
        except KeyError:
            raise ToolNotFound(name) from None

    def all(self) -> list[Tool]:
        """Every tool, by name."""
        return [self._tools[name] for name in sorted(self._tools)]

    def schemas(self, format: SchemaFormat = "openai") -> list[dict[str, Any]]:
        """Every tool's schema, as the model's API takes them (``openai`` or ``anthropic``)."""
        return [tool.schema(format) for tool in self.all()]

    def invoke(
        self, memory: Memory, name: str, arguments: dict[str, Any], context: ToolContext
    ) -> ToolResult:
        """Run a tool. Bad arguments raise; what goes wrong inside comes back as
        ``{"status": "error", ...}`` so the model can read it and try again."""
        tool = self.get(name)
        try:
            parsed = tool.arguments.model_validate(arguments)
        except ValidationError as error:
            raise InvalidInput(_describe(error), field=_first_field(error)) from error
        try:
            return tool.handler(memory, context.caller(), parsed)
        except PersonaMemoryError as error:
            # Who may call is not the model's to retry: those errors go to the caller.
            if error.field == "context" or isinstance(error, Forbidden):
                raise
            return {"status": "error", "error": error.message, "code": error.code}

    def invoke_json(self, memory: Memory, name: str, arguments: str, context: ToolContext) -> str:
        """For agent loops that hand over the model's raw JSON arguments."""
        try:
            parsed = json.loads(arguments or "{}")
        except json.JSONDecodeError as error:
            raise InvalidInput(f"arguments are not JSON: {error}", field="arguments") from error
        return json.dumps(self.invoke(memory, name, parsed, context))


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in problem['loc']) or 'arguments'}: {problem['msg']}"
        for problem in error.errors()
    )


def _first_field(error: ValidationError) -> str:
    problems = error.errors()
    location = problems[0]["loc"] if problems else ()
    return "arguments" + "".join(f".{part}" for part in location)


default_registry = ToolRegistry()
