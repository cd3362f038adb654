"""Embedding providers: the registry, the hashing embedder, the real local model,
and any OpenAI-compatible endpoint (against a real server on loopback,
tests/fake_openai.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from persona_memory import InvalidInput, Memory, PersonaCreate, Settings
from persona_memory.core.ports import Embedder
from persona_memory.providers.embedders.hashing import HashingEmbedder
from persona_memory.providers.embedders.openai_compatible import (
    PROBE_TEXT,
    EmbeddingFailed,
    EmbeddingUnavailable,
    OpenAICompatibleEmbedder,
)
from persona_memory.providers.embedders.sentence_transformers import (
    SentenceTransformerEmbedder,
    resolve_model_path,
)
from persona_memory.providers.registry import embedder_from_settings, load_embedder
from tests.fake_openai import FakeOpenAI, fake_embedding


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
        # min_score 0: a paraphrase with no shared word rises too little above the
        # background (docs/retrieval.md, Scores) to pass the default floor.
        hybrid = memory.search(query, persona_id="brad", user_id="alice", min_score=0).results
        assert hybrid[0].text == "Alice is allergic to peanuts"
        assert hybrid[0].vector_rank == 1 and hybrid[0].text_rank is None
        assert memory.search(query, persona_id="brad", user_id="alice").results == []


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def remote(fake: FakeOpenAI) -> Iterator[OpenAICompatibleEmbedder]:
    embedder = OpenAICompatibleEmbedder(fake.url, "text-embedding-3-small", api_key="sk-test")
    yield embedder
    embedder.close()


def test_openai_embedder_returns_normalised_rows_in_input_order(
    fake: FakeOpenAI, remote: OpenAICompatibleEmbedder
) -> None:
    assert remote.model_name == "openai:text-embedding-3-small"
    texts = ["Peanut butter", "plays football", "peanut BUTTER"]
    vectors = remote.embed(texts)
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    # The fake lists its answers in reverse: each row is still its own text's.
    for row, text in zip(vectors, texts, strict=True):
        expected = np.asarray(fake_embedding(text, 8), dtype=np.float32)
        np.testing.assert_allclose(row, expected / np.linalg.norm(expected), rtol=1e-6)
    assert fake.embedding_requests == [{"model": "text-embedding-3-small", "input": texts}]
    assert fake.embedding_authorizations == ["Bearer sk-test"]
    assert remote.dimension == 8 and len(fake.embedding_requests) == 1  # learned, no probe
    assert isinstance(remote, Embedder)  # (on Python 3.11 this reads `dimension`)


def test_openai_embedder_sends_batches_and_keeps_the_order(fake: FakeOpenAI) -> None:
    embedder = OpenAICompatibleEmbedder(fake.url, "m", batch_size=2)
    texts = [f"text number {word}" for word in ["one", "two", "three", "four", "five"]]
    try:
        vectors = embedder.embed(texts)
    finally:
        embedder.close()
    assert [request["input"] for request in fake.embedding_requests] == [
        texts[0:2],
        texts[2:4],
        texts[4:5],
    ]
    singly = OpenAICompatibleEmbedder(fake.url, "m")
    try:
        expected = np.concatenate([singly.embed([text]) for text in texts])
    finally:
        singly.close()
    np.testing.assert_array_equal(vectors, expected)


def test_openai_embedder_probes_its_dimension_once(
    fake: FakeOpenAI, remote: OpenAICompatibleEmbedder
) -> None:
    assert remote.dimension == 8 and remote.dimension == 8
    assert fake.embedding_requests == [{"model": "text-embedding-3-small", "input": [PROBE_TEXT]}]
    assert remote.embed([]).shape == (0, 8)
    assert len(fake.embedding_requests) == 1
    # A configured dimension needs no probe, even for an empty input.
    configured = OpenAICompatibleEmbedder(fake.url, "m", dimension=8)
    try:
        assert configured.dimension == 8 and configured.embed([]).shape == (0, 8)
    finally:
        configured.close()
    assert len(fake.embedding_requests) == 1


def test_openai_embedder_refuses_vectors_of_another_dimension(
    fake: FakeOpenAI, remote: OpenAICompatibleEmbedder
) -> None:
    configured = OpenAICompatibleEmbedder(fake.url, "m", dimension=16)
    try:
        with pytest.raises(EmbeddingFailed) as raised:
            configured.embed(["hello"])
    finally:
        configured.close()
    assert "8-dimensional" in raised.value.message
    assert "configured is 16" in raised.value.message
    # A learned dimension holds too: the endpoint may not change model under us.
    assert remote.embed(["hello"]).shape == (1, 8)
    fake.embedding_dim = 4
    with pytest.raises(EmbeddingFailed, match=r"4-dimensional.*seen before is 8"):
        remote.embed(["hello"])


def test_openai_embedder_retries_transport_failures(fake: FakeOpenAI) -> None:
    embedder = OpenAICompatibleEmbedder(fake.url, "m", retries=2)
    try:
        fake.embedding_failures.extend([503, 429])
        assert embedder.embed(["hello"]).shape == (1, 8)
        assert len(fake.embedding_requests) == 3
        fake.embedding_failures.extend([500, 502, 503])
        with pytest.raises(EmbeddingUnavailable, match=r"after 3 attempt\(s\) \(HTTP 503\)"):
            embedder.embed(["hello"])
        # A refusal that retrying cannot mend is reported at once.
        fake.embedding_failures.append(401)
        with pytest.raises(EmbeddingFailed, match="HTTP 401") as raised:
            embedder.embed(["hello"])
    finally:
        embedder.close()
    assert type(raised.value) is EmbeddingFailed and raised.value.status_code == 502
    assert len(fake.embedding_requests) == 7


def test_openai_embedder_with_its_endpoint_down_raises_a_clear_error(fake: FakeOpenAI) -> None:
    url = fake.url
    fake.stop()
    embedder = OpenAICompatibleEmbedder(url, "text-embedding-3-small", retries=1)
    try:
        with pytest.raises(EmbeddingUnavailable) as raised:
            embedder.embed(["hello"])
    finally:
        embedder.close()
    message = raised.value.message
    assert url in message and "'text-embedding-3-small'" in message
    assert "ConnectError" in message and "cannot be stored" in message
    assert raised.value.status_code == 503 and raised.value.code == "embedding_unavailable"


def test_openai_embedder_from_settings(fake: FakeOpenAI) -> None:
    settings = Settings(
        embedder="openai", embedding_base_url=fake.url, embedding_model="text-embedding-3-small"
    )
    embedder = embedder_from_settings(settings)
    assert isinstance(embedder, OpenAICompatibleEmbedder)
    try:
        assert embedder.model_name == "openai:text-embedding-3-small"
        assert embedder.embed(["hello", "world"]).shape == (2, 8)
    finally:
        embedder.close()
    assert fake.embedding_requests[0]["model"] == "text-embedding-3-small"
    assert fake.embedding_authorizations == [None]


def test_openai_embedder_settings_fall_back_on_the_llm_endpoint(fake: FakeOpenAI) -> None:
    shared = Settings(
        embedder="openai", llm_base_url=fake.url, llm_api_key="sk-llm", embedding_dimensions=8
    )
    separate = Settings(
        embedder="openai",
        embedding_base_url=fake.url + "/",
        llm_base_url="https://api.example.com/v1",
        llm_api_key="sk-llm",
    )
    own_key = separate.model_copy(update={"embedding_api_key": shared.llm_api_key})
    for settings in (shared, separate, own_key):
        embedder = embedder_from_settings(settings)
        assert isinstance(embedder, OpenAICompatibleEmbedder)
        try:
            embedder.embed(["hello"])
        finally:
            embedder.close()
    # The LLM's key is sent to the LLM's endpoint only, never to another one.
    assert fake.embedding_authorizations == ["Bearer sk-llm", None, "Bearer sk-llm"]


def test_openai_embedder_without_an_endpoint_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        embedder_from_settings(Settings(embedder="openai"))
    assert "PERSONA_MEMORY_EMBEDDING_BASE_URL" in raised.value.message
    assert raised.value.field == "embedding_base_url"


def test_memory_stores_and_finds_with_an_openai_embedder(fake: FakeOpenAI, tmp_path: Path) -> None:
    settings = Settings(
        database_url=str(tmp_path / "m.db"),
        transcripts_dir=tmp_path,
        embedder="openai",
        embedding_base_url=fake.url,
        embedding_model="text-embedding-3-small",
    )
    with Memory(settings=settings) as memory:
        assert isinstance(memory.embedder, OpenAICompatibleEmbedder)
        try:
            memory.personas.create(PersonaCreate(id="brad", name="Brad"))
            memory.add("Alice is allergic to peanuts", persona_id="brad", user_id="alice")
            memory.add("Alice drives a red pickup truck", persona_id="brad", user_id="alice")
            hits = memory.search(
                "red pickup truck", persona_id="brad", user_id="alice", mode="vector"
            ).results
        finally:
            memory.embedder.close()  # Memory.close leaves the embedder open
    assert hits[0].text == "Alice drives a red pickup truck" and hits[0].vector_rank == 1
    sent = [text for request in fake.embedding_requests for text in request["input"]]
    assert "Alice is allergic to peanuts" in sent and "red pickup truck" in sent


def test_a_memory_whose_embedder_cannot_load_leaves_no_connection_open(
    settings: Settings,
) -> None:
    import gc

    with pytest.raises(InvalidInput, match="PERSONA_MEMORY_EMBEDDING_BASE_URL"):
        Memory(settings=settings.model_copy(update={"embedder": "openai"}))
    # A connection left open warns when collected; the suite turns warnings into errors.
    gc.collect()
