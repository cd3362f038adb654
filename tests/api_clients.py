"""One small client interface over two surfaces (SDK and HTTP), so that the same
test checks both. Every call returns (status, JSON body), as HTTP would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel

from persona_memory import Memory, PersonaMemoryError, RelationshipUpdate
from persona_memory.core.user_personas import UserPersonaCreate
from persona_memory.tools import ToolContext

Reply = tuple[int, Any]


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


class SdkApi:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def _call(self, status: int, action: Callable[[], Any]) -> Reply:
        try:
            return status, _json(action())
        except PersonaMemoryError as error:
            return error.status_code, {"error": error.to_dict()}

    def create_persona(self, persona_id: str, **fields: Any) -> Reply:
        from persona_memory import PersonaCreate

        data = PersonaCreate(id=persona_id, name=persona_id.title(), **fields)
        return self._call(201, lambda: self.memory.personas.create(data))

    def create_user_persona(self, handle: str, industry: str, role: str) -> Reply:
        data = UserPersonaCreate(handle=handle, industry=industry, professional_role=role)

        try:
            persona, created = self.memory.user_personas.create(data)
        except PersonaMemoryError as error:
            return error.status_code, {"error": error.to_dict()}
        return (201 if created else 200), _json(persona)

    def user_persona(self, handle: str) -> Reply:
        return self._call(200, lambda: self.memory.user_personas.get(handle))

    def user_personas(self) -> Reply:
        return self._call(200, lambda: {"user_personas": self.memory.user_personas.all()})

    def join(self, user_id: str, handle: str, confidence: float = 1.0) -> Reply:
        return self._call(200, lambda: self.memory.user_personas.join(user_id, handle, confidence))

    def leave(self, user_id: str, handle: str) -> Reply:
        return self._call(204, lambda: self.memory.user_personas.leave(user_id, handle))

    def open_relationship(self, persona_id: str, user_id: str) -> Reply:
        return self._call(
            200, lambda: self.memory.relationships.put(persona_id, user_id, RelationshipUpdate())
        )

    def user(self, user_id: str) -> Reply:
        return self._call(200, lambda: self.memory.users.get(user_id))

    def blocks(self, persona_id: str, user_id: str) -> Reply:
        return self._call(200, lambda: {"blocks": self.memory.blocks.attached(persona_id, user_id)})

    def set_block(self, persona_id: str, user_id: str, label: str, value: str) -> Reply:
        return self._call(
            200, lambda: self.memory.blocks.set_value(persona_id, user_id, label, value)
        )

    def append(self, persona_id: str, user_id: str, label: str, content: str) -> Reply:
        return self._call(
            200, lambda: self.memory.blocks.append(persona_id, user_id, label, content)
        )

    def replace(self, persona_id: str, user_id: str, label: str, old: str, new: str) -> Reply:
        return self._call(
            200, lambda: self.memory.blocks.replace(persona_id, user_id, label, old, new)
        )

    def attach(self, block_id: str, persona_id: str, user_id: str) -> Reply:
        return self._call(200, lambda: self.memory.blocks.attach(block_id, persona_id, user_id))

    def detach(self, block_id: str, persona_id: str, user_id: str) -> Reply:
        return self._call(204, lambda: self.memory.blocks.detach(block_id, persona_id, user_id))

    def block(self, block_id: str) -> Reply:
        return self._call(200, lambda: self.memory.blocks.get_by_id(block_id))

    def tool(self, name: str, arguments: dict[str, Any], **context: Any) -> Reply:
        return self._call(
            200,
            lambda: {
                "tool": name,
                "result": self.memory.invoke_tool(name, arguments, ToolContext(**context)),
            },
        )


class HttpApi:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    @staticmethod
    def _reply(response: httpx.Response) -> Reply:
        return response.status_code, (response.json() if response.content else None)

    def create_persona(self, persona_id: str, **fields: Any) -> Reply:
        body = {"id": persona_id, "name": persona_id.title(), **fields}
        return self._reply(self.http.post("/v1/personas", json=body))

    def create_user_persona(self, handle: str, industry: str, role: str) -> Reply:
        body = {"handle": handle, "industry": industry, "professional_role": role}
        return self._reply(self.http.post("/v1/user-personas", json=body))

    def user_persona(self, handle: str) -> Reply:
        return self._reply(self.http.get(f"/v1/user-personas/{handle}"))

    def user_personas(self) -> Reply:
        return self._reply(self.http.get("/v1/user-personas"))

    def join(self, user_id: str, handle: str, confidence: float = 1.0) -> Reply:
        body = {"confidence_score": confidence}
        return self._reply(self.http.put(f"/v1/users/{user_id}/user-personas/{handle}", json=body))

    def leave(self, user_id: str, handle: str) -> Reply:
        return self._reply(self.http.delete(f"/v1/users/{user_id}/user-personas/{handle}"))

    def _rel(self, persona_id: str, user_id: str) -> str:
        return f"/v1/personas/{persona_id}/relationships/{user_id}"

    def open_relationship(self, persona_id: str, user_id: str) -> Reply:
        return self._reply(self.http.put(self._rel(persona_id, user_id), json={}))

    def user(self, user_id: str) -> Reply:
        return self._reply(self.http.get(f"/v1/users/{user_id}"))

    def blocks(self, persona_id: str, user_id: str) -> Reply:
        return self._reply(self.http.get(self._rel(persona_id, user_id) + "/blocks"))

    def set_block(self, persona_id: str, user_id: str, label: str, value: str) -> Reply:
        url = self._rel(persona_id, user_id) + f"/blocks/{label}"
        return self._reply(self.http.put(url, json={"value": value}))

    def append(self, persona_id: str, user_id: str, label: str, content: str) -> Reply:
        url = self._rel(persona_id, user_id) + f"/blocks/{label}/append"
        return self._reply(self.http.post(url, json={"content": content}))

    def replace(self, persona_id: str, user_id: str, label: str, old: str, new: str) -> Reply:
        url = self._rel(persona_id, user_id) + f"/blocks/{label}/replace"
        return self._reply(self.http.post(url, json={"old_content": old, "new_content": new}))

    def attach(self, block_id: str, persona_id: str, user_id: str) -> Reply:
        url = self._rel(persona_id, user_id) + f"/attached-blocks/{block_id}"
        return self._reply(self.http.put(url))

    def detach(self, block_id: str, persona_id: str, user_id: str) -> Reply:
        url = self._rel(persona_id, user_id) + f"/attached-blocks/{block_id}"
        return self._reply(self.http.delete(url))

    def block(self, block_id: str) -> Reply:
        return self._reply(self.http.get(f"/v1/blocks/{block_id}"))

    def tool(self, name: str, arguments: dict[str, Any], **context: Any) -> Reply:
        body = {"arguments": arguments, "context": context}
        return self._reply(self.http.post(f"/v1/tools/{name}", json=body))
