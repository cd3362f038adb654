"""Embedding providers: the registry, the hashing embedder, the real local model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from persona_memory import InvalidInput, Memory, PersonaCreate, Settings
from persona_memory.providers.embedders.hashing import HashingEmbedder
from persona_memory.providers.embedders.sentence_transformers import (
    SentenceTransformerEmbedder,
    resolve_model_path,
)
from persona_memory.providers.registry import load_embedder


def test_registry_names_and_errors() -> None:
    assert isinstance(load_embedder("hash"), HashingEmbedder)
    with pytest.raises(InvalidInput) as raised:
        load_embedder("word2vec")
    assert "hash" in raised.value.message and raised.value.field == "embedder"


def test_hashing_embedder_is_normalised_and_deterministic() -> None:
    embedder = HashingEmbedder(dimension=64)
    vectors = embedder.embed(["Peanut butter", "peanut BUTTER", ""])
    assert vectors.shape == (3, 64) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[0]), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(vectors[0], vectors[1])
    assert not vectors[2].any()


def test_default_model_comes_from_the_packaged_folder() -> None:
    path = Path(resolve_model_path("all-MiniLM-L6-v2"))
    assert path.is_dir() and (path / "config.json").exists()
    # Any other model keeps the hub name, for users with network access.
    assert resolve_model_path("BAAI/bge-small-en-v1.5") == "BAAI/bge-small-en-v1.5"


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder()
    embedder.warm_up()
    return embedder


@pytest.mark.model
def test_minilm_embeds_meaning(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.dimension == 384 and minilm.model_name == "all-MiniLM-L6-v2"
    query, near, far = minilm.embed(["food allergies", "allergic to peanuts", "plays football"])
    assert float(query @ near) > float(query @ far) + 0.1
    batch = minilm.embed([f"sentence {i}" for i in range(40)])
    assert batch.shape == (40, 384)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, rtol=1e-5)


@pytest.mark.model
def test_hybrid_finds_paraphrases_bm25_misses(
    tmp_path: Path, minilm: SentenceTransformerEmbedder
) -> None:
    settings = Settings(database_url=str(tmp_path / "m.db"))
    with Memory(settings=settings, embedder=minilm) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        memory.add("Alice is allergic to peanuts", persona_id="brad", user_id="alice")
        memory.add("Alice drives a red pickup truck", persona_id="brad", user_id="alice")
        query = "which foods make her sick"
        assert memory.search(query, persona_id="brad", user_id="alice", mode="text").results == []
        hybrid = memory.search(query, persona_id="brad", user_id="alice").results
        assert hybrid[0].text == "Alice is allergic to peanuts"
        assert hybrid[0].vector_rank == 1 and hybrid[0].text_rank is None
