"""The tool registry: schemas from the argument models, and invoking tools."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from persona_memory import Memory, PersonaCreate, UserNotFound
from persona_memory.tools import ToolContext, default_registry
from persona_memory.tools.builtin import CoreMemoryAppend, UpdateUserPersonaProfile

REQUIRED_TOOLS = {
    "list_available_personas",
    "update_user_persona_profile_in_db",
    "core_memory_append",
    "core_memory_replace",
}


def test_schemas_are_valid_json_schema_and_match_the_models() -> None:
    openai = {s["function"]["name"]: s for s in default_registry.schemas("openai")}
    anthropic = {s["name"]: s for s in default_registry.schemas("anthropic")}
    assert set(openai) >= REQUIRED_TOOLS and set(openai) == set(anthropic)
    for tool in default_registry.all():
        parameters = openai[tool.name]["function"]["parameters"]
        assert openai[tool.name]["type"] == "function"
        assert anthropic[tool.name]["input_schema"] == parameters
        assert openai[tool.name]["function"]["description"] == tool.description != ""
        jsonschema.Draft202012Validator.check_schema(parameters)
        model_schema = tool.arguments.model_json_schema()
        assert set(parameters.get("properties", {})) == set(model_schema.get("properties", {}))
        assert parameters.get("required", []) == model_schema.get("required", [])
        assert parameters["type"] == "object"


def test_schema_accepts_what_the_model_accepts() -> None:
    tool = default_registry.get("update_user_persona_profile_in_db")
    validator = jsonschema.Draft202012Validator(tool.parameters())
    good = {"user_id": "sarah", "persona_handle": "qsr_real_estate", "confidence_score": 0.5}
    validator.validate(good)
    UpdateUserPersonaProfile.model_validate(good)
    for bad in ({"user_id": "sarah"}, {**good, "confidence_score": 2}, {**good, "extra": 1}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(bad)
    schema = default_registry.get("core_memory_append").parameters()
    assert schema["required"] == ["label", "content"]
    assert schema["properties"]["content"]["minLength"] == 1
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(CoreMemoryAppend.model_fields)


def test_list_available_personas_has_the_seed_shape(memory: Memory) -> None:
    result = memory.invoke_tool("list_available_personas", {})
    assert set(result) == {"personas", "taxonomy_format", "examples"}
    assert result["taxonomy_format"] == "<industry>_<professional_role>"
    assert result["examples"] == ["qsr_real_estate", "tobacco_consumer_insights"]
    for persona in result["personas"]:
        assert set(persona) == {"persona_handle", "industry", "professional_role", "description"}
    assert {p["persona_handle"] for p in result["personas"]} == {
        "qsr_real_estate",
        "tobacco_consumer_insights",
    }


def test_core_memory_tools_act_on_the_callers_relationship(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    context = ToolContext(persona_id="brad", user_id="alice")
    result = memory.invoke_tool(
        "core_memory_append", {"label": "human", "content": "Alice likes trucks"}, context
    )
    assert result == {"status": "success", "label": "human", "chars": 18, "limit": 5000}
    memory.invoke_tool(
        "core_memory_replace",
        {"label": "human", "old_content": "trucks", "new_content": "bikes"},
        context,
    )
    assert memory.blocks.get("brad", "alice", "human").value == "Alice likes bikes"
    # bob was never touched: no relationship, no user
    with pytest.raises(UserNotFound):
        memory.blocks.get("brad", "bob", "human")
    failed = memory.invoke_tool(
        "core_memory_replace",
        {"label": "human", "old_content": "cars", "new_content": "x"},
        context,
    )
    assert failed["status"] == "error" and "old_content" in failed["error"]
    over = memory.invoke_tool(
        "core_memory_append", {"label": "human", "content": "x" * 6000}, context
    )
    assert over["status"] == "error" and over["code"] == "text_too_long"
    assert memory.blocks.get("brad", "alice", "human").value == "Alice likes bikes"


def test_invoke_json_round_trip(memory: Memory) -> None:
    text = default_registry.invoke_json(memory, "list_available_personas", "", ToolContext())
    assert '"taxonomy_format": "<industry>_<professional_role>"' in text


def test_tools_over_http(http: httpx.Client) -> None:
    listed = http.get("/v1/tools", params={"format": "anthropic"}).json()
    assert listed["format"] == "anthropic"
    assert {t["name"] for t in listed["tools"]} >= REQUIRED_TOOLS
    openai = http.get("/v1/tools").json()["tools"]
    assert all(t["type"] == "function" for t in openai)
    assert http.get("/v1/tools", params={"format": "xml"}).status_code == 422

    assert http.post("/v1/personas", json={"id": "pi", "name": "Pi"}).status_code == 201
    called = http.post(
        "/v1/tools/core_memory_append",
        json={"arguments": {"label": "human", "content": "Sarah"}, "context": _ctx()},
    )
    assert called.status_code == 200
    assert called.json() == {
        "tool": "core_memory_append",
        "result": {"status": "success", "label": "human", "chars": 5, "limit": 5000},
    }
    missing = http.post("/v1/tools/no_such_tool", json={})
    assert missing.status_code == 404 and "no_such_tool" in missing.json()["error"]["message"]
    bad_args = http.post("/v1/tools/core_memory_append", json={"arguments": {"label": "human"}})
    assert bad_args.status_code == 422
    assert bad_args.json()["error"]["field"] == "arguments.content"
    no_context = http.post(
        "/v1/tools/core_memory_append", json={"arguments": {"label": "human", "content": "x"}}
    )
    assert no_context.status_code == 422 and no_context.json()["error"]["field"] == "context"
    blocks = http.get("/v1/personas/pi/relationships/sarah/blocks").json()["blocks"]
    assert next(b for b in blocks if b["label"] == "human")["value"] == "Sarah"


def _ctx() -> dict[str, Any]:
    return {"persona_id": "pi", "user_id": "sarah"}
