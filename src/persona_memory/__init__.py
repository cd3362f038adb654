"""persona-memory: the self-hosted memory layer for LLM agents that play personas.

Start with ``Memory``: it opens a database and holds a service for each part
(``memory.memories``, ``memory.profiles``, ``memory.blocks``, ...), each
linked from its attribute to its methods. ``memory.for_relationship(persona_id,
user_id)`` gives a ``RelationshipHandle``: the calls of one persona with one
user, with no ids to pass. The models below are what the calls take and
return; every error raised on purpose is a ``PersonaMemoryError``.
"""

from persona_memory import __about__
from persona_memory.config import Settings
from persona_memory.core.blocks import Block, BlockNotFound, BlockOwner, BlockReadOnly, LabelTaken
from persona_memory.core.caller import Caller
from persona_memory.core.errors import (
    AlreadyExists,
    ConflictError,
    Forbidden,
    InvalidInput,
    NotFoundError,
    PersonaMemoryError,
    TextTooLong,
)
from persona_memory.core.memories import (
    HistoryEvent,
    MemoryCreate,
    MemoryHistoryEntry,
    MemoryNotFound,
    MemoryRecord,
    MemoryUpdate,
    SearchFilters,
    SearchHit,
    SearchRequest,
    SearchResults,
)
from persona_memory.core.personas import Persona, PersonaCreate, PersonaNotFound, PersonaUpdate
from persona_memory.core.profiles import (
    PreconditionFailed,
    Profile,
    ProfileCategory,
    ProfileHistoryEntry,
    ProfilePatch,
)
from persona_memory.core.relationships import (
    Relationship,
    RelationshipNotFound,
    RelationshipUpdate,
)
from persona_memory.core.scope import Scope, ScopeKind
from persona_memory.core.tokens import IssuedToken, TokenCreate, UserToken
from persona_memory.core.user_personas import (
    Membership,
    UserPersona,
    UserPersonaCreate,
    UserPersonaDetail,
    UserPersonaNotFound,
)
from persona_memory.core.users import User, UserCreate, UserExport, UserNotFound
from persona_memory.handles import RelationshipHandle
from persona_memory.memory import Memory
from persona_memory.tools import ToolContext

__version__ = __about__.__version__
"""The version of persona-memory installed."""

__all__ = [
    "AlreadyExists",
    "Block",
    "BlockNotFound",
    "BlockOwner",
    "BlockReadOnly",
    "Caller",
    "ConflictError",
    "Forbidden",
    "HistoryEvent",
    "InvalidInput",
    "IssuedToken",
    "LabelTaken",
    "Membership",
    "Memory",
    "MemoryCreate",
    "MemoryHistoryEntry",
    "MemoryNotFound",
    "MemoryRecord",
    "MemoryUpdate",
    "NotFoundError",
    "Persona",
    "PersonaCreate",
    "PersonaMemoryError",
    "PersonaNotFound",
    "PersonaUpdate",
    "PreconditionFailed",
    "Profile",
    "ProfileCategory",
    "ProfileHistoryEntry",
    "ProfilePatch",
    "Relationship",
    "RelationshipHandle",
    "RelationshipNotFound",
    "RelationshipUpdate",
    "Scope",
    "ScopeKind",
    "SearchFilters",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "Settings",
    "TextTooLong",
    "TokenCreate",
    "ToolContext",
    "User",
    "UserCreate",
    "UserExport",
    "UserNotFound",
    "UserPersona",
    "UserPersonaCreate",
    "UserPersonaDetail",
    "UserPersonaNotFound",
    "UserToken",
    "__version__",
]
