"""Provider registry: a name maps to a dotted path, imported only when chosen.

Adding a provider is one module plus one line here; heavy dependencies (torch)
are imported only by the provider that needs them.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import import_module
from typing import Any

from persona_memory.config import Settings
from persona_memory.core.errors import InvalidInput
from persona_memory.core.ports import LLM, Embedder, Reranker, Tokenizer
from persona_memory.core.privacy import EntityRecognizer

logger = logging.getLogger(__name__)

EMBEDDERS: dict[str, str] = {
    "sentence-transformers": (
        "persona_memory.providers.embedders.sentence_transformers:SentenceTransformerEmbedder"
    ),
    "minilm": "persona_memory.providers.embedders.minilm_numpy:NumpyMiniLMEmbedder",
    "static": "persona_memory.providers.embedders.static:StaticEmbedder",
    "hash": "persona_memory.providers.embedders.hashing:HashingEmbedder",
    "openai": "persona_memory.providers.embedders.openai_compatible:OpenAICompatibleEmbedder",
}


def load_embedder(name: str, **options: Any) -> Embedder:
    try:
        dotted = EMBEDDERS[name]
    except KeyError:
        known = ", ".join(sorted(EMBEDDERS))
        raise InvalidInput(f"unknown embedder {name!r}; known: {known}", field="embedder") from None
    module_name, class_name = dotted.split(":")
    embedder: Embedder = getattr(import_module(module_name), class_name)(**options)
    return embedder


def embedder_from_settings(settings: Settings) -> Embedder:
    if settings.embedder == "sentence-transformers":
        return load_embedder(settings.embedder, model=settings.embedding_model)
    if settings.embedder == "openai":
        return load_embedder(settings.embedder, **_openai_embedder_options(settings))
    if settings.embedder in _MINILM_ONLY:
        _require_minilm(settings)
    return load_embedder(settings.embedder)


# Embedders that run all-MiniLM-L6-v2 itself (numpy) or a distillation of it.
_MINILM_ONLY = frozenset({"minilm", "static"})
_MINILM_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})


def _require_minilm(settings: Settings) -> None:
    """These embedders have no other model: a different one asked for is an error,
    not a silent substitution (its vectors would not be the ones expected)."""
    if settings.embedding_model not in _MINILM_NAMES:
        raise InvalidInput(
            f"the {settings.embedder!r} embedder supports only all-MiniLM-L6-v2, not "
            f"{settings.embedding_model!r}: unset PERSONA_MEMORY_EMBEDDING_MODEL, or use "
            "PERSONA_MEMORY_EMBEDDER=sentence-transformers for another model",
            field="embedding_model",
        )


def _openai_embedder_options(settings: Settings) -> dict[str, Any]:
    """The embedding endpoint, else the LLM's. The LLM's key goes only to the LLM's
    endpoint: a separate embedding endpoint never receives it."""
    base_url = settings.embedding_base_url or settings.llm_base_url
    if not base_url:
        raise InvalidInput(
            "the 'openai' embedder needs an endpoint: set PERSONA_MEMORY_EMBEDDING_BASE_URL "
            "(e.g. http://localhost:11434/v1 for Ollama) or PERSONA_MEMORY_LLM_BASE_URL",
            field="embedding_base_url",
        )
    key = settings.embedding_api_key
    if key is None and base_url == settings.llm_base_url:
        key = settings.llm_api_key
    return {
        "base_url": base_url,
        "model": settings.embedding_model,
        "api_key": key.get_secret_value() if key else None,
        "timeout": settings.llm_timeout_seconds,
        "retries": settings.llm_retries,
        "dimension": settings.embedding_dimensions,
    }


def llm_from_settings(settings: Settings) -> LLM | None:
    """The configured chat model, or None (offline heuristics) without a base URL."""
    if settings.llm_base_url is None:
        return None
    from persona_memory.providers.llms.openai_compatible import OpenAICompatibleLLM

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatibleLLM(
        settings.llm_base_url,
        settings.llm_model,
        api_key=key,
        timeout=settings.llm_timeout_seconds,
        retries=settings.llm_retries,
    )


RERANKERS: dict[str, str] = {
    "cross-encoder": "persona_memory.providers.rerankers.cross_encoder:CrossEncoderReranker",
}


def reranker_from_settings(settings: Settings) -> Reranker | None:
    """The configured reranker, loaded now (a wrong model fails at start-up), or None."""
    if settings.reranker is None:
        return None
    try:
        dotted = RERANKERS[settings.reranker]
    except KeyError:
        known = ", ".join(sorted(RERANKERS))
        raise InvalidInput(
            f"unknown reranker {settings.reranker!r}; known: {known} (or unset for none)",
            field="reranker",
        ) from None
    module_name, class_name = dotted.split(":")
    reranker: Reranker = getattr(import_module(module_name), class_name)(
        model=settings.reranker_model
    )
    return reranker


TOKENIZERS: dict[str, str] = {
    "minilm": "persona_memory.providers.tokenizers.huggingface:minilm",
    "approximate": "persona_memory.providers.tokenizers.approximate:ApproximateTokenizer",
}


def load_tokenizer(name: str) -> Tokenizer:
    """A registered tokenizer, or ``hf:<path to tokenizer.json>`` for any other model's."""
    if name.startswith("hf:"):
        from persona_memory.providers.tokenizers.huggingface import HuggingFaceTokenizer

        return HuggingFaceTokenizer(name.removeprefix("hf:"))
    try:
        dotted = TOKENIZERS[name]
    except KeyError:
        known = ", ".join(sorted(TOKENIZERS))
        raise InvalidInput(
            f"unknown tokenizer {name!r}; known: {known}, or hf:<path to tokenizer.json>",
            field="tokenizer",
        ) from None
    module_name, attribute = dotted.split(":")
    tokenizer: Tokenizer = getattr(import_module(module_name), attribute)()
    return tokenizer


RECOGNISERS: dict[str, str] = {
    "spacy": "persona_memory.providers.recognisers.spacy_ner:SpacyRecogniser",
    "presidio": "persona_memory.providers.recognisers.presidio:PresidioRecogniser",
    "gazetteer": "persona_memory.providers.recognisers.gazetteer:GazetteerRecogniser",
}


def load_recogniser(name: str, **options: Any) -> EntityRecognizer:
    try:
        dotted = RECOGNISERS[name]
    except KeyError:
        known = ", ".join(sorted(RECOGNISERS))
        raise InvalidInput(
            f"unknown PII recogniser {name!r}; known: {known}", field="pii_recogniser"
        ) from None
    module_name, class_name = dotted.split(":")
    recogniser: EntityRecognizer = getattr(import_module(module_name), class_name)(**options)
    return recogniser


def recogniser_from_settings(settings: Settings) -> EntityRecognizer:
    """``auto``: spaCy when it and its model are installed, else the gazetteer."""
    return _recogniser(settings.pii_recogniser, settings.pii_spacy_model)


@cache
def _recogniser(name: str, model: str) -> EntityRecognizer:
    # One per process: a model takes a second to load and holds no per-call state.
    if name == "gazetteer":
        return load_recogniser(name)
    if name == "auto":
        try:
            return load_recogniser("spacy", model=model)
        except (ImportError, OSError):
            logger.info("spaCy or %s is not installed: the gazetteer finds names alone", model)
            return load_recogniser("gazetteer")
    return load_recogniser(name, model=model)
