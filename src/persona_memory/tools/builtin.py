"""The built-in agent tools. Importing this module registers them.

Names, arguments and result shapes of seed 000's tools are kept as written
there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from persona_memory.core.base import MAX_QUERY_CHARS, Model
from persona_memory.core.blocks import Block
from persona_memory.core.caller import Caller
from persona_memory.core.continuation import ContinuationRequest
from persona_memory.core.ids import check_session_id, check_user_id
from persona_memory.core.memories import MemoryCreate, SearchRequest
from persona_memory.core.user_personas import (
    HANDLE_RULE,
    TAXONOMY_FORMAT,
    check_handle,
    shared_block_label,
)
from persona_memory.tools.registry import ToolResult, default_registry

if TYPE_CHECKING:
    from persona_memory.memory import Memory

EXAMPLE_HANDLES = ["qsr_real_estate", "tobacco_consumer_insights"]


class _Arguments(Model):
    """Every tool's arguments: strict, and storable (see core.base.Model)."""


class NoArguments(_Arguments):
    pass


class UpdateUserPersonaProfile(_Arguments):
    user_id: str = Field(
        description="The user you are serving (the one in your context); another user's id "
        "is refused."
    )
    persona_handle: str = Field(description=f"The persona handle. {HANDLE_RULE}")
    confidence_score: float = Field(
        default=1.0, ge=0.0, le=1.0, description="How sure you are of the match, 0 to 1."
    )


class CoreMemoryAppend(_Arguments):
    label: str = Field(description="Label of the memory block to append to, e.g. 'human'.")
    content: str = Field(min_length=1, description="Text to add, on a new line.")


class CoreMemoryReplace(_Arguments):
    label: str = Field(description="Label of the memory block to edit, e.g. 'human'.")
    old_content: str = Field(min_length=1, description="Exact text to replace; must occur.")
    new_content: str = Field(description="Replacement text; empty to delete old_content.")


class UpdateMemory(_Arguments):
    category: str = Field(
        description="Profile category to update, e.g. 'personal_info', 'areas_to_improve', "
        "'knowledge_strengths' (the persona declares its own)."
    )
    data: dict[str, Any] = Field(description="A JSON object for that category.")
    operation: Literal["merge", "replace"] = Field(
        default="merge",
        description="'merge': nested objects merge key by key, other values (lists too) "
        "replace the old ones, null deletes a key. 'replace': the object becomes the category.",
    )


@default_registry.tool(NoArguments)
def list_available_personas(memory: Memory, caller: Caller, args: NoArguments) -> ToolResult:
    """List all available persona handles with metadata. Persona handles follow the
    taxonomy <industry>_<professional_role> (e.g. 'qsr_real_estate',
    'tobacco_consumer_insights'); call update_user_persona_profile_in_db() to associate
    a user with one of them, or to create a new, properly formatted one."""
    return {
        "personas": [
            {
                "persona_handle": persona.handle,
                "industry": persona.industry,
                "professional_role": persona.professional_role,
                "description": persona.description,
            }
            for persona in memory.user_personas.all()
        ],
        "taxonomy_format": TAXONOMY_FORMAT,
        "examples": EXAMPLE_HANDLES,
    }


@default_registry.tool(UpdateUserPersonaProfile)
def update_user_persona_profile_in_db(
    memory: Memory, caller: Caller, args: UpdateUserPersonaProfile
) -> ToolResult:
    """Associate user with persona and attach shared memory blocks. If persona_handle
    doesn't exist but follows <industry>_<professional_role> (lowercase snake_case, at
    least two parts), a new persona is created, with industry and professional role
    parsed from the handle and a basic description. Then the user is associated with the
    persona and the persona's shared {persona_handle}_service_experience block is attached
    to your agent and to all other agents of users with the same persona. A malformed
    handle is refused and nothing is written. Returns JSON with success/error status."""
    handle = check_handle(args.persona_handle)
    caller.own_user()  # this tool needs an agent context that names its user
    membership, created = memory.user_personas.enrol(
        caller.check_user(args.user_id), handle, args.confidence_score, caller=caller
    )
    return {
        "status": "success",
        "user_id": membership.user_id,
        "persona_handle": handle,
        "confidence_score": membership.confidence_score,
        "persona_created": created,
        "shared_block_label": shared_block_label(handle),
        "message": (
            f"User {membership.user_id} associated with persona {handle}"
            + (" (new persona created)" if created else "")
        ),
    }


@default_registry.tool(CoreMemoryAppend)
def core_memory_append(memory: Memory, caller: Caller, args: CoreMemoryAppend) -> ToolResult:
    """Append to the contents of a core memory block (e.g. 'human'), on a new line.
    Shared blocks are seen by other agents: never put personal data in them."""
    persona_id, user_id = caller.relationship()
    block = memory.blocks.append(persona_id, user_id, args.label, args.content, caller=caller)
    return _block_result(block)


@default_registry.tool(CoreMemoryReplace)
def core_memory_replace(memory: Memory, caller: Caller, args: CoreMemoryReplace) -> ToolResult:
    """Replace the contents of a core memory block: old_content must occur exactly;
    every occurrence becomes new_content. To delete, use an empty new_content."""
    persona_id, user_id = caller.relationship()
    block = memory.blocks.replace(
        persona_id, user_id, args.label, args.old_content, args.new_content, caller=caller
    )
    return _block_result(block)


def _block_result(block: Block) -> ToolResult:
    return {
        "status": "success",
        "label": block.label,
        "chars": len(block.value),
        "limit": block.limit,
    }


@default_registry.tool(UpdateMemory)
def update_memory(memory: Memory, caller: Caller, args: UpdateMemory) -> ToolResult:
    """Record what you learned about the user in their structured profile, one category
    at a time. Use 'merge' to add or change a few keys without losing the rest (e.g. a new
    strength keeps their personal info), 'replace' to rewrite a whole category. Keep it
    to actionable insights: the profile goes into your prompt."""
    persona_id, user_id = caller.relationship()
    profile = memory.profiles.update(
        persona_id, user_id, args.category, args.data, args.operation, caller=caller
    )
    return {
        "status": "success",
        "category": args.category,
        "operation": args.operation,
        "value": profile.categories[args.category],
        "version": profile.version,
    }


class SearchMemory(_Arguments):
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="What to look for.")
    limit: int = Field(default=5, ge=1, le=50, description="How many memories at most.")


class Remember(_Arguments):
    text: str = Field(
        min_length=1,
        max_length=2000,
        description="One fact about the user, in a full sentence (e.g. 'Alice is allergic "
        "to peanuts').",
    )
    category: str | None = Field(default=None, max_length=100, description="e.g. 'health'.")
    importance: int = Field(default=5, ge=1, le=10, description="1 (trivia) to 10 (vital).")


class SearchEpisodes(_Arguments):
    query: str = Field(
        min_length=1, max_length=MAX_QUERY_CHARS, description="What the past session was about."
    )
    limit: int = Field(default=3, ge=1, le=20, description="How many sessions at most.")


class GetProcedure(_Arguments):
    key: str = Field(
        min_length=1, max_length=100, description="The procedure's key, e.g. 'greeting_pattern'."
    )


@default_registry.tool(SearchMemory)
def search_memory(memory: Memory, caller: Caller, args: SearchMemory) -> ToolResult:
    """Search what you know about the user you are serving (and your own and global
    memories), best first."""
    persona_id, user_id = caller.relationship()
    request = SearchRequest(
        query=args.query, persona_id=persona_id, user_id=user_id, limit=args.limit
    )
    hits = memory.run_search(request, caller=caller).results
    return {
        "status": "success",
        "results": [
            {
                "id": h.id,
                "text": h.text,
                "category": h.category,
                "score": h.score,
                "relevance": h.relevance,
            }
            for h in hits
        ],
    }


@default_registry.tool(Remember)
def remember(memory: Memory, caller: Caller, args: Remember) -> ToolResult:
    """Remember one fact about the user you are serving, for later sessions."""
    persona_id, user_id = caller.relationship()
    record = memory.memories.add(
        MemoryCreate(
            text=args.text,
            persona_id=persona_id,
            user_id=user_id,
            category=args.category,
            importance=args.importance,
            source="agent",
        ),
        caller=caller,
    )
    return {"status": "success", "id": record.id, "text": record.text}


@default_registry.tool(SearchEpisodes)
def search_episodes(memory: Memory, caller: Caller, args: SearchEpisodes) -> ToolResult:
    """Find past sessions with the user you are serving ("what did we discuss about
    Sarah?"), best first, with their summaries."""
    persona_id, user_id = caller.relationship()
    hits = memory.episodes.search(args.query, persona_id, user_id, limit=args.limit, caller=caller)
    return {
        "status": "success",
        "results": [
            {
                "session_id": h.session_id,
                "summary": h.summary,
                "created_at": h.created_at.isoformat(),
                "score": h.score,
            }
            for h in hits
        ],
    }


@default_registry.tool(GetProcedure)
def get_procedure(memory: Memory, caller: Caller, args: GetProcedure) -> ToolResult:
    """Get how you behave for a key (e.g. 'greeting_pattern'): your template for this
    user if there is one, else your general one."""
    persona_id, user_id = caller.relationship()
    procedure = memory.procedures.get(persona_id, args.key, user_id=user_id, caller=caller)
    return {"status": "success", "key": procedure.key, "template": procedure.template}


class ContinueConversation(_Arguments):
    user_message: str = Field(
        min_length=1, max_length=MAX_QUERY_CHARS, description="The user's message you reply to."
    )
    stage: Literal["reflex", "burst"] = Field(
        description="'reflex' for your quick first bubble, then 'burst' for the rest of the "
        "same reply."
    )


@default_registry.tool(ContinueConversation)
def continue_conversation(memory: Memory, caller: Caller, args: ContinueConversation) -> ToolResult:
    """Decide whether to keep the conversation going at this stage of your reply: add
    nothing, ask a question, or share one of your own memories that fits the user's
    message. Call it with stage 'reflex' for your quick first bubble and 'burst' for
    the rest of the same reply; it never asks two questions in one reply. Use the
    returned text in your own words."""
    persona_id, user_id = caller.relationship()
    request = ContinuationRequest(
        conversation_id=_conversation_of(caller.session_id, user_id),
        user_message=args.user_message,
        stage=args.stage,
    )
    decision = memory.continuation.decide(persona_id, request, caller=caller)
    shared = decision.memory
    return {
        "status": "success",
        "reply": decision.reply,
        "action": decision.action,
        "text": decision.text,
        "memory": None if shared is None else {"id": shared.id, "category": shared.category},
        "reason": decision.reason,
    }


def _conversation_of(session_id: str | None, user_id: str) -> str:
    """The agent's conversation: its session, else its user (one running
    conversation per persona and user). Checked, as the context is not."""
    if session_id is not None:
        return "session:" + check_session_id(session_id, field="context")
    return "user:" + check_user_id(user_id, field="context")
