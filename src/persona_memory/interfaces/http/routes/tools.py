"""/v1/tools: the agent tools' schemas, and invoking a tool."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from persona_memory.core.base import Model
from persona_memory.interfaces.http.deps import MemoryDep
from persona_memory.tools import ToolContext
from persona_memory.tools.registry import SchemaFormat

router = APIRouter(tags=["tools"])


class ToolCall(Model):
    arguments: dict[str, Any] = Field(default_factory=dict)
    context: ToolContext = Field(default_factory=ToolContext)


class ToolCallResult(BaseModel):
    tool: str
    result: dict[str, Any]


@router.get("/tools")
def list_tools(memory: MemoryDep, format: SchemaFormat = "openai") -> dict[str, Any]:
    """Every tool's schema, as OpenAI function tools or Anthropic tools."""
    return {"format": format, "tools": memory.tools.schemas(format)}


@router.post("/tools/{name}")
def invoke_tool(name: str, body: ToolCall, memory: MemoryDep) -> ToolCallResult:
    """Run a tool as the caller in `context`. Invalid arguments → 422; a failure inside
    the tool comes back in `result` as `{"status": "error", ...}` for the model to read."""
    return ToolCallResult(tool=name, result=memory.invoke_tool(name, body.arguments, body.context))
