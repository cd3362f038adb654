"""Agent tools: each defined once, exported as OpenAI, Anthropic (and MCP) schemas."""

from persona_memory.tools.registry import Tool, ToolContext, ToolRegistry, default_registry

__all__ = ["Tool", "ToolContext", "ToolRegistry", "default_registry"]
