"""Episodic memory: finding past sessions and bringing one back to life."""

from __future__ import annotations

from persona_memory.core.base import utcnow
from persona_memory.core.caller import ADMIN, Caller
from persona_memory.core.episodes import EPISODE_CATEGORY, Episode, EpisodeHit, EpisodeNotFound
from persona_memory.core.memories import MemoryQuery
from persona_memory.core.ports import Searcher, Store
from persona_memory.core.relationship_service import require_relationship
from persona_memory.core.scope import Scope
from persona_memory.core.sessions import Session, SessionCreate, new_session


class EpisodeService:
    """Episodes, what ended sessions leave: summaries to search and sessions to
    open again; reached as ``memory.episodes``."""

    def __init__(self, store: Store, searcher: Searcher) -> None:
        self._store = store
        self._searcher = searcher

    def search(
        self, query: str, persona_id: str, user_id: str, *, limit: int = 10, caller: Caller = ADMIN
    ) -> list[EpisodeHit]:
        """Past sessions of one relationship, best first (hybrid search of summaries)."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            require_relationship(tx, persona_id, user_id)
        scope = MemoryQuery(
            scopes=(Scope.relationship(persona_id, user_id),),
            category=EPISODE_CATEGORY,
            referenceable_only=True,
        )
        hits = self._searcher.search(query, scope, limit=limit)
        with self._store.read() as tx:
            sessions = tx.episode_for_memories([hit.id for hit in hits])
            episodes = {e.session_id: e for e in tx.get_episodes(list(sessions.values()))}
        return [
            EpisodeHit(**episodes[sessions[hit.id]].model_dump(), score=hit.score)
            for hit in hits
            if hit.id in sessions and sessions[hit.id] in episodes
        ]

    def recent(
        self, persona_id: str, user_id: str, *, limit: int = 10, caller: Caller = ADMIN
    ) -> list[Episode]:
        """The relationship's latest episodes, newest first."""
        caller.check_relationship(persona_id, user_id)
        with self._store.read() as tx:
            require_relationship(tx, persona_id, user_id)
            found = tx.get_episodes(tx.list_sessions(persona_id, user_id))
        return sorted(found, key=lambda e: e.ended_at, reverse=True)[:limit]

    def get(self, session_id: str, *, caller: Caller = ADMIN) -> Episode:
        """The episode the session left when it ended."""
        with self._store.read() as tx:
            found = tx.get_episodes([session_id])
        if not found:
            raise EpisodeNotFound(session_id)
        caller.check_relationship(found[0].persona_id, found[0].user_id)
        return found[0]

    def rehydrate(
        self, session_id: str, *, summary_only: bool = False, caller: Caller = ADMIN
    ) -> Session:
        """A new live session holding the episode's entries (or only its summary)."""
        episode = self.get(session_id, caller=caller)
        with self._store.transaction() as tx:
            now = utcnow()
            require_relationship(tx, episode.persona_id, episode.user_id)
            session = new_session(
                SessionCreate(
                    persona_id=episode.persona_id,
                    user_id=episode.user_id,
                    metadata={"rehydrated_from": session_id, "summary_only": summary_only},
                ),
                now,
            )
            tx.insert_session(session)
            if summary_only:
                rows = [_row("system", episode.summary, "main", now)]
            else:
                rows = [
                    _row(e.role, e.content, e.timeline, e.created_at)
                    for e in tx.list_entries(session_id)
                ]
            tx.insert_entries(session, rows)
            restored = tx.get_session(session.id)
        assert restored is not None, "inserted above"
        return restored


def _row(role: str, content: str, timeline: str, created_at: object) -> dict[str, object]:
    return {"role": role, "content": content, "timeline": timeline, "created_at": created_at}
