"""/v1/prompt: one system prompt under a token budget, with its manifest."""

from __future__ import annotations

from fastapi import APIRouter

from persona_memory.core.prompts import Prompt, PromptRequest
from persona_memory.interfaces.http.deps import MemoryDep

router = APIRouter(tags=["prompt"])


@router.post("/prompt")
def build_prompt(body: PromptRequest, memory: MemoryDep) -> Prompt:
    """The persona's system prompt for the user: sections in seed 004's order,
    within `token_budget` tokens; `sections` lists what went in and why,
    `dropped` what did not fit."""
    return memory.prompts.build(body)
