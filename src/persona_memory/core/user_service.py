"""Users: create, read, export everything about one, erase one everywhere."""

from __future__ import annotations

from persona_memory.core.base import utcnow
from persona_memory.core.blocks import BlockOwner
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.errors import AlreadyExists
from persona_memory.core.ids import check_user_id
from persona_memory.core.memories import MemoryQuery, MemoryRecord
from persona_memory.core.ports import Store, Transaction
from persona_memory.core.scope import Scope
from persona_memory.core.transcripts import TranscriptStore
from persona_memory.core.users import User, UserCreate, UserExport, UserNotFound, UserPage

_EXPORT_PAGE = 1000


class UserService:
    """Users; reached as ``memory.users``. A user named by a memory, a session or
    a relationship is created on first use."""

    def __init__(self, store: Store, transcripts: TranscriptStore | None = None) -> None:
        self._store = store
        self._transcripts = transcripts

    def create(self, data: UserCreate) -> User:
        """Create a user; ``AlreadyExists`` if the id is taken."""
        user = User(**data.model_dump(), created_at=utcnow())
        with self._store.transaction() as tx:
            if not tx.insert_user(user):
                raise AlreadyExists("user", user.id)
        return user

    def get(self, user_id: str, *, caller: Caller = ADMIN) -> User:
        """The user; ``UserNotFound`` if there is none."""
        caller.check_user(user_id)
        with self._store.read() as tx:
            return require_user(tx, user_id)

    def all(self) -> list[User]:
        """Every user."""
        with self._store.read() as tx:
            return tx.list_users()

    def find(
        self, query: str | None = None, *, limit: int | None = None, offset: int = 0
    ) -> UserPage:
        """Users whose id or name contains ``query`` (any case), one page of them."""
        found = self.all()
        if query:
            needle = query.casefold()
            found = [u for u in found if needle in f"{u.id}\n{u.name or ''}".casefold()]
        end = None if limit is None else offset + limit
        return UserPage(users=found[offset:end], total=len(found))

    def erase(self, user_id: str, *, caller: Caller = ADMIN) -> None:
        """Delete every row about the user in every table (right to erasure)."""
        caller.check_user(user_id)
        with self._store.transaction() as tx:
            if not tx.erase_user(check_user_id(user_id)):
                raise UserNotFound(user_id)
            if self._transcripts is not None:
                # Inside the transaction: should the files fail to go, the rows stay
                # too, and the erasure can be retried whole.
                self._transcripts.delete_user(user_id)
        self._store.scrub()

    def export(self, user_id: str, *, caller: Caller = ADMIN) -> UserExport:
        """Everything stored about the user, read in one snapshot."""
        caller.check_user(user_id)
        with self._store.read() as tx:
            user = require_user(tx, user_id)
            relationships = tx.list_relationships(user_id=user_id)
            scopes = tuple(Scope.relationship(r.persona_id, user_id) for r in relationships)
            sessions = [
                session
                for r in relationships
                for sid in tx.list_sessions(r.persona_id, user_id)
                if (session := tx.get_session(sid)) is not None
            ]
            return UserExport(
                user=user,
                relationships=relationships,
                memories=_all_memories(tx, MemoryQuery(scopes=scopes)),
                history=tx.user_history(user_id),
                blocks=[
                    block
                    for r in relationships
                    for block in tx.attached_blocks(r.persona_id, user_id)
                    if block.owner is BlockOwner.RELATIONSHIP
                ],
                memberships=tx.memberships(user_id),
                profiles=tx.user_profiles(user_id),
                profile_history=tx.user_profile_history(user_id),
                tokens=tx.list_tokens(user_id),
                sessions=sessions,
                session_entries=[e for s in sessions for e in tx.list_entries(s.id)],
                episodes=tx.get_episodes([s.id for s in sessions]),
                procedures=[
                    p for r in relationships for p in tx.list_procedures(r.persona_id, user_id)
                ],
                jobs=tx.user_jobs(user_id),
                transcripts=self._transcripts.list(user_id) if self._transcripts else [],
                exported_at=utcnow(),
            )


def require_user(tx: Transaction, user_id: str) -> User:
    user = tx.get_user(check_user_id(user_id))
    if user is None:
        raise UserNotFound(user_id)
    return user


def _all_memories(tx: Transaction, query: MemoryQuery) -> list[MemoryRecord]:
    found: list[MemoryRecord] = []
    if not query.scopes:
        return found
    while page := tx.list_memories(query, limit=_EXPORT_PAGE, offset=len(found)):
        found.extend(page)
    return found
