"""``Memory``: the in-process SDK, and the object every surface wraps.

It only wires things together: a store, an embedder, the services that hold
the rules, and the searcher. Each service is reachable as an attribute
(``memory.personas``, ``memory.users``, ``memory.relationships``,
``memory.memories``, ``memory.blocks``, ``memory.user_personas``,
``memory.profiles``, ``memory.tokens``, ``memory.sessions``, ``memory.episodes``,
``memory.procedures``, ``memory.learning``, ``memory.persona_learning``,
``memory.prompts``, ``memory.tools``, ``memory.privacy``);
the most common
calls also have shortcuts (``memory.add``, ``memory.add_many``,
``memory.search``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from persona_memory.config import Settings, transcripts_root
from persona_memory.core.block_service import BlockService
from persona_memory.core.caller import ADMIN, Caller, Role
from persona_memory.core.continuation_service import ContinuationService
from persona_memory.core.decay import Decay
from persona_memory.core.digests import Summarizer
from persona_memory.core.episode_service import EpisodeService
from persona_memory.core.errors import Forbidden
from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.learning import Extractor
from persona_memory.core.learning_service import LearningService
from persona_memory.core.mem0_import_service import Mem0ImportService
from persona_memory.core.memories import (
    DEFAULT_MIN_SCORE,
    MemoryCreate,
    MemoryRecord,
    SearchFilters,
    SearchMode,
    SearchRequest,
    SearchResults,
    memory_query,
)
from persona_memory.core.memory_service import MemoryService
from persona_memory.core.persona_file_service import PersonaFileService
from persona_memory.core.persona_learning import PersonaMemoryClassifier
from persona_memory.core.persona_learning_service import PersonaLearningService
from persona_memory.core.persona_service import PersonaService
from persona_memory.core.ports import LLM, Embedder, Reranker, Store, Tokenizer
from persona_memory.core.privacy import PiiDetector, PrivacyMode
from persona_memory.core.privacy_service import PrivacyFirewall, PrivacyService
from persona_memory.core.procedure_service import ProcedureService
from persona_memory.core.profile_migration_service import ProfileMigrationService
from persona_memory.core.profile_service import ProfileService
from persona_memory.core.prompt_service import PromptService
from persona_memory.core.prompts import DEFAULT_BUDGET, Prompt, PromptRequest, Section
from persona_memory.core.relationship_service import RelationshipService
from persona_memory.core.session_service import SessionService
from persona_memory.core.token_service import TokenService
from persona_memory.core.transfer_service import TransferService
from persona_memory.core.user_persona_service import UserPersonaService
from persona_memory.core.user_service import UserService
from persona_memory.handles import RelationshipHandle
from persona_memory.providers.extractors.heuristic import HeuristicExtractor
from persona_memory.providers.extractors.llm import LLMExtractor
from persona_memory.providers.persona_classifiers.heuristic import HeuristicPersonaClassifier
from persona_memory.providers.persona_classifiers.llm import LLMPersonaClassifier
from persona_memory.providers.registry import (
    embedder_from_settings,
    llm_from_settings,
    load_tokenizer,
    recogniser_from_settings,
    reranker_from_settings,
)
from persona_memory.providers.summarizers.extractive import ExtractiveSummarizer
from persona_memory.providers.summarizers.llm import LLMSummarizer
from persona_memory.providers.tokenizers.approximate import ApproximateTokenizer
from persona_memory.retrieval import Expansion, HybridSearcher, RankingSignals
from persona_memory.storage import open_store
from persona_memory.storage.sql.transfer import export_kinds
from persona_memory.storage.transcripts import FolderTranscriptStore
from persona_memory.tools import ToolContext, ToolRegistry, default_registry
from persona_memory.tools import builtin as _builtin_tools  # noqa: F401 - registers them

logger = logging.getLogger("persona_memory")


def _tokenizer(name: str) -> Tokenizer:
    try:
        return load_tokenizer(name)
    except ImportError as error:
        # The default tokenizer ships with the local model's extra; without it,
        # budgets are estimates, and every prompt says which tokenizer counted.
        logger.warning("tokenizer %r unavailable (%s): counting ~4 characters a token", name, error)
        return ApproximateTokenizer()


class Memory:
    """The SDK: a memory database, opened, with every service on it.

    ``database`` is a SQLite path, ``":memory:"`` (a temporary file removed on
    close), or a database URL (``postgresql+psycopg://...``); without one, the
    ``PERSONA_MEMORY_DATABASE_URL`` setting. Use it in a ``with`` block, or call
    ``close`` when done.

    The most common calls are methods here (``add``, ``search``,
    ``build_prompt``, ``invoke_tool``); ``for_relationship`` gives the calls of
    one (persona, user) with no ids to pass. Everything else is on a service
    attribute, listed below with a link to its methods: ``memory.memories``
    (get, all, update, delete, history), ``memory.profiles``,
    ``memory.blocks``, ``memory.sessions``, and so on.

        with Memory("memory.db") as memory:
            memory.personas.create(PersonaCreate(id="brad", name="Brad"))
            memory.add("Alice is allergic to peanuts", persona_id="brad", user_id="alice")
            hits = memory.search("food allergies", persona_id="brad", user_id="alice")
            history = memory.memories.history(hits.results[0].id)
    """

    # --- services: what an application calls ----------------------------------

    personas: PersonaService
    """Personas (the AI characters): create, get, list, update, delete."""
    users: UserService
    """Users: create, get, find, export everything about one, erase one."""
    relationships: RelationshipService
    """What each user is to each persona: its type, custom prompt and memory settings."""
    memories: MemoryService
    """Memories one at a time: add, get, list, update, delete, and each one's history."""
    blocks: BlockService
    """Labelled blocks of text a relationship keeps in its prompt: read, set,
    append, replace, attach and detach."""
    user_personas: UserPersonaService
    """User personas (archetypes of users), their shared blocks and their members."""
    profiles: ProfileService
    """The structured profile a persona keeps about a user (a tutor's STUDENT
    MEMORY, say): read, merge, replace, clear, and its history."""
    tokens: TokenService
    """Users' own API tokens: issue, list, revoke."""
    sessions: SessionService
    """Live conversations: start one, add its entries, end it (ending it learns from it)."""
    episodes: EpisodeService
    """Ended sessions, summarised: search them, list them, open one again."""
    procedures: ProcedureService
    """How a persona behaves: templates by key, for the persona or one relationship."""
    learning: LearningService
    """Facts learned from ended sessions and from raw messages; the jobs a worker runs."""
    persona_learning: PersonaLearningService
    """What a session teaches the persona about itself, anonymised."""
    persona_memories: PersonaFileService
    """The persona's own memories: synced from the files a person edits, listed,
    searched, added, exported."""
    prompts: PromptService
    """System prompts within a token budget (``build_prompt`` is the shortcut)."""
    tools: ToolRegistry
    """The agent tools: their schemas for OpenAI or Anthropic, and running one
    (``invoke_tool`` is the shortcut)."""
    privacy: PrivacyService
    """The PII firewall's counts, and a scan (and fix) of what shared scopes hold."""
    transfer: TransferService
    """Export and import of everything, as versioned JSON Lines."""
    mem0: Mem0ImportService
    """Import of memories exported from mem0."""
    profile_migrations: ProfileMigrationService
    """Moves flat ``user_*.json`` profile folders from older bots into relationships."""
    continuation: ContinuationService
    """Whether the persona follows its reply with a question or a share of its own."""

    # --- components: what the services are built from -------------------------

    settings: Settings
    """The settings it was opened with (``PERSONA_MEMORY_*`` variables unless given)."""
    store: Store
    """The database (SQLite or PostgreSQL) every service reads and writes."""
    embedder: Embedder
    """Turns text into the vectors that search compares."""
    transcripts: FolderTranscriptStore
    """The folder where ended sessions' transcripts are kept, word for word."""
    firewall: PrivacyFirewall
    """Finds personal data in text bound for a shared scope, and redacts or refuses it."""
    decay: Decay
    """How a memory's weight fades with age unless it is mentioned or retrieved again."""
    searcher: HybridSearcher
    """Full-text and vector search, fused (``search`` is the way in)."""
    llm: LLM | None
    """The configured chat model, or None: then everything runs on offline heuristics."""
    summarizer: Summarizer
    """Summarises ended sessions (with the chat model when there is one)."""
    extractor: Extractor
    """Finds the facts a user stated in a conversation (with the chat model when there is one)."""
    persona_classifier: PersonaMemoryClassifier
    """Picks what a session teaches the persona about itself."""
    tokenizer: Tokenizer
    """Counts the tokens of a prompt for its budget."""

    def __init__(
        self,
        database: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        store: Store | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.settings = settings or Settings()
        # The models first: one that cannot load leaves no database connection open.
        self._owns_embedder = embedder is None
        self.embedder = embedder or embedder_from_settings(self.settings)
        reranker = reranker or reranker_from_settings(self.settings)
        self.store = store or open_store(
            database or self.settings.database_url,
            vector_cache_mb=self.settings.vector_cache_mb,
            context_weight=self.settings.context_weight,
        )
        self.transcripts = FolderTranscriptStore(transcripts_root(self.settings, self.store.url))
        self.personas = PersonaService(self.store, self.transcripts)
        self.users = UserService(self.store, self.transcripts)
        self.relationships = RelationshipService(self.store)
        self.firewall = PrivacyFirewall(
            lambda: PiiDetector(recogniser_from_settings(self.settings)),
            PrivacyMode(self.settings.shared_pii),
        )
        self.privacy = PrivacyService(self.store, self.embedder, self.firewall)
        self.memories = MemoryService(
            self.store, self.embedder, self.firewall, self.settings.max_text_chars
        )
        self.blocks = BlockService(self.store, self.firewall)
        self.user_personas = UserPersonaService(self.store)
        self.profiles = ProfileService(self.store)
        self.tokens = TokenService(self.store)
        self.profile_migrations = ProfileMigrationService(self.store)
        self.mem0 = Mem0ImportService(self.store, self.firewall, self.memories.reindex)
        self.transfer = TransferService(
            self.store, self.firewall, export_kinds(), self.memories.reindex
        )
        self.tools = default_registry
        self.decay = Decay(
            self.settings.semantic_half_life_days, self.settings.episodic_half_life_days
        )
        self.searcher = HybridSearcher(
            self.store,
            self.embedder,
            rrf_k=self.settings.rrf_k,
            vector_weight=self.settings.vector_weight,
            fusion=self.settings.fusion,
            normalise_at=self.settings.normalise_at,
            decay=self.decay,
            signals=RankingSignals(
                importance=self.settings.rank_by_importance,
                validity=self.settings.rank_by_validity,
                subject_boost=self.settings.subject_boost,
            ),
            expansion=Expansion(self.settings.expansion_weight, self.settings.expansion_similarity),
            reranker=reranker,
            rerank_depth=self.settings.rerank_depth,
        )
        self.llm = llm_from_settings(self.settings)
        self.summarizer = ExtractiveSummarizer()
        self.extractor = HeuristicExtractor()
        if self.llm is not None:
            self.summarizer = LLMSummarizer(self.llm, fallback=self.summarizer)
            self.extractor = LLMExtractor(self.llm, fallback=self.extractor)
        self.persona_memories = PersonaFileService(
            self.store, self.embedder, self.searcher, self.firewall, self.settings.max_text_chars
        )
        # The firewall's detector loads on first use; the classifier asks for it then.
        self.persona_classifier = HeuristicPersonaClassifier(
            lambda: self.firewall.detector,
            min_importance=self.settings.persona_learning_min_importance,
        )
        if self.llm is not None:
            self.persona_classifier = LLMPersonaClassifier(
                self.llm, fallback=self.persona_classifier
            )
        self.persona_learning = PersonaLearningService(
            self.store,
            self.persona_classifier,
            self.persona_memories,
            min_importance=self.settings.persona_learning_min_importance,
        )
        self.learning = LearningService(
            self.store,
            self.embedder,
            self.searcher,
            self.summarizer,
            self.extractor,
            self.transcripts,
            min_importance=self.settings.min_fact_importance,
            decay=self.decay,
            on_learned=self.persona_learning.learn_from_session,
        )
        self.tokenizer = _tokenizer(self.settings.tokenizer)
        self.prompts = PromptService(self.store, self.searcher, self.tokenizer, self.decay)
        inline = self.learning if self.settings.learning == "inline" else None
        self.sessions = SessionService(self.store, self.summarizer, inline)
        self.episodes = EpisodeService(self.store, self.searcher)
        self.procedures = ProcedureService(self.store)
        self.continuation = ContinuationService(
            self.store, self.searcher, seed=self.settings.continuation_seed
        )

    def for_relationship(self, persona_id: str, user_id: str) -> RelationshipHandle:
        """The calls of one (persona, user) with no ids to pass. It checks the two
        ids and nothing else: no I/O, nothing created, nothing to flush when
        switching to another (see ``RelationshipHandle``)."""
        return RelationshipHandle(self, check_persona_id(persona_id), check_user_id(user_id))

    def add(
        self,
        text: str,
        *,
        persona_id: str | None = None,
        user_id: str | None = None,
        **fields: Any,
    ) -> MemoryRecord:
        """Remember ``text`` for (persona, user), the persona, or everyone."""
        data = MemoryCreate(text=text, persona_id=persona_id, user_id=user_id, **fields)
        return self.memories.add(data)

    def add_many(self, items: Iterable[MemoryCreate | dict[str, Any]]) -> list[MemoryRecord]:
        """Remember many at once: embedded in batches, written in one transaction."""
        return self.memories.add_many([MemoryCreate.model_validate(item) for item in items])

    def search(
        self,
        query: str,
        *,
        persona_id: str | None = None,
        user_id: str | None = None,
        limit: int = 10,
        filters: SearchFilters | dict[str, Any] | None = None,
        mode: SearchMode = "hybrid",
        min_score: float = DEFAULT_MIN_SCORE,
        explain: bool = False,
    ) -> SearchResults:
        """Best-first memories visible to (persona, user) that match ``query``: at most
        ``limit``, none with a relevance below ``min_score`` (0 keeps every candidate);
        ``explain`` adds each ranker's rank and score to every hit."""
        request = SearchRequest(
            query=query,
            persona_id=persona_id,
            user_id=user_id,
            limit=limit,
            filters=SearchFilters.model_validate(filters or {}),
            mode=mode,
            min_score=min_score,
            explain=explain,
        )
        return self.run_search(request)

    def run_search(self, request: SearchRequest, *, caller: Caller = ADMIN) -> SearchResults:
        """``search`` with a whole ``SearchRequest``, as ``caller`` may see it."""
        if request.user_id is not None:
            caller.check_user(request.user_id)
        scoped = memory_query(request.persona_id, request.user_id, request.filters)
        scoped = self.searcher.for_question(request.query, scoped)
        if request.filters.include_unreferenceable and caller.role is not Role.ADMIN:
            raise Forbidden(
                "include_unreferenceable is for the admin key", field="include_unreferenceable"
            )
        hits = self.searcher.search(
            request.query,
            scoped,
            limit=request.limit,
            mode=request.mode,
            min_relevance=request.min_score,
            explain=request.explain,
        )
        self.memories.reinforce_retrieved(hits)
        return SearchResults(results=hits)

    def build_prompt(
        self,
        persona_id: str,
        user_id: str,
        *,
        query: str | None = None,
        session_id: str | None = None,
        token_budget: int = DEFAULT_BUDGET,
        sections: list[Section] | None = None,
    ) -> Prompt:
        """The persona's system prompt for the user, within ``token_budget`` tokens,
        with a manifest of what went in and why, and what was dropped."""
        request = PromptRequest(
            persona_id=persona_id,
            user_id=user_id,
            query=query,
            session_id=session_id,
            token_budget=token_budget,
            sections=sections,
        )
        return self.prompts.build(request)

    def invoke_tool(
        self, name: str, arguments: dict[str, Any], context: ToolContext | None = None
    ) -> dict[str, Any]:
        """Run an agent tool as the caller given by ``context`` (persona, user, session)."""
        return self.tools.invoke(self, name, arguments, context or ToolContext())

    def close(self) -> None:
        """Close the database and the model's connections (a ``with`` block does it)."""
        if self.llm is not None:
            self.llm.close()
        self.searcher.close()
        close_embedder = getattr(self.embedder, "close", None)
        if self._owns_embedder and close_embedder is not None:
            close_embedder()  # an HTTP client; one given to us may be shared
        self.store.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
