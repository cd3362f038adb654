"""ScopeVectors and VectorCache, checked against brute-force references."""

from __future__ import annotations

import sys
import threading
from collections.abc import Collection

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from persona_memory.storage.vector_cache import ScopeVectors, VectorCache

Vectors = npt.NDArray[np.float32]
Model = dict[int, Vectors]


def f32(values: object) -> Vectors:
    return np.array(values, dtype=np.float32)


def unit(rng: np.random.Generator, n: int, dim: int = 16) -> Vectors:
    raw = rng.standard_normal((n, dim), dtype=np.float32)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    return raw


def small_ints(rng: np.random.Generator, n: int, dim: int = 8) -> Vectors:
    # Dot products of small integers are exact in float32 whatever the summation order,
    # so ties are real ties and results can be compared exactly.
    return rng.integers(-3, 4, size=(n, dim)).astype(np.float32)


def brute_top_k(
    model: Model, query: Vectors, k: int, only: Collection[int] | None = None
) -> list[tuple[int, float]]:
    pool = model.keys() if only is None else set(only) & model.keys()
    scored = sorted((-float(np.dot(model[pk], query)), pk) for pk in pool)
    return [(pk, -negated) for negated, pk in scored[: max(k, 0)]]


def assert_matches(vectors: ScopeVectors, model: Model) -> None:
    assert len(vectors) == len(model)
    assert [pk for pk in model if pk not in vectors] == []
    if model:
        got = np.stack([vectors.vector(pk) for pk in model])  # type: ignore[misc]
        np.testing.assert_array_equal(got, np.stack(list(model.values())))


def assert_same_ranking(got: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    assert [pk for pk, _ in got] == [pk for pk, _ in expected]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-5)


def filled(model: Model) -> ScopeVectors:
    vectors = ScopeVectors()
    if model:
        vectors.upsert(list(model), np.stack(list(model.values())))
    return vectors


def test_interleaved_upserts_and_deletes_match_brute_force() -> None:
    rng = np.random.default_rng(1234)
    vectors = ScopeVectors()
    model: Model = {}
    for _ in range(60):
        gone = rng.choice(800, size=40, replace=False).tolist()  # some were never there
        vectors.delete(gone)
        for pk in gone:
            model.pop(pk, None)
        pks = rng.choice(800, size=50, replace=False).tolist()  # a mix of new and existing
        batch = unit(rng, len(pks))
        vectors.upsert(pks, batch)
        model.update(zip(pks, batch, strict=True))
        assert_matches(vectors, model)
        query = unit(rng, 1)[0]
        assert_same_ranking(vectors.top_k(query, 10), brute_top_k(model, query, 10))
    everything = vectors.top_k(query, len(model) + 5)
    assert sorted(pk for pk, _ in everything) == sorted(model)


def test_delete_moves_the_last_row_and_its_index_entry() -> None:
    eye = np.eye(5, dtype=np.float32)
    vectors = filled({10: eye[0], 20: eye[1], 30: eye[2], 40: eye[3]})
    vectors.delete([20, 99])
    assert len(vectors) == 3 and 20 not in vectors and 40 in vectors
    # The next insert lands in the freed last row; 40 must not still point there.
    vectors.upsert([50], eye[4:5])
    np.testing.assert_array_equal(vectors.vector(40), eye[3])
    np.testing.assert_array_equal(vectors.vector(50), eye[4])
    vectors.upsert([40], -eye[3:4])  # an overwrite changes 40 only
    assert len(vectors) == 4
    assert vectors.top_k(eye[4], 1) == [(50, 1.0)]
    assert vectors.top_k(eye[3], 5) == [(10, 0.0), (30, 0.0), (50, 0.0), (40, -1.0)]
    vectors.delete([10, 30, 40, 50])
    assert len(vectors) == 0 and vectors.top_k(eye[0], 3) == []


def test_repeated_pk_in_one_batch_keeps_the_last_vector() -> None:
    vectors = ScopeVectors()
    vectors.upsert([7, 8, 7, 7], np.array([[1, 0], [0, 1], [2, 0], [3, 0]], dtype=np.float32))
    assert len(vectors) == 2
    np.testing.assert_array_equal(vectors.vector(7), [3, 0])


def test_only_restricts_to_present_pks() -> None:
    rng = np.random.default_rng(7)
    model = dict(zip(range(200), unit(rng, 200), strict=True))
    vectors = filled(model)
    query = unit(rng, 1)[0]
    small = {3, 50, 51, 199, 1000, -4}  # gathered rows; 1000 and -4 are not present
    large = set(range(0, 200, 2)) | {5000}  # at least half the rows: scored in place
    for only in (small, large):
        got = vectors.top_k(query, 20, only=only)
        assert {pk for pk, _ in got} <= only
        assert_same_ranking(got, brute_top_k(model, query, 20, only))
    duplicated = [3, 3, 50, 50]
    assert [pk for pk, _ in vectors.top_k(query, 10, only=duplicated)] == [
        pk for pk, _ in brute_top_k(model, query, 10, {3, 50})
    ]
    assert vectors.top_k(query, 5, only=set()) == []
    assert vectors.top_k(query, 5, only=frozenset({1000})) == []


def test_ties_go_to_the_lower_pk_even_across_the_cut() -> None:
    rng = np.random.default_rng(3)
    pks = rng.permutation(np.arange(1000, 1100)).tolist()  # shuffled so row order is no help
    vectors = ScopeVectors()
    vectors.upsert(pks, np.tile(f32([1, 0]), (len(pks), 1)))
    vectors.upsert([5000], f32([[2, 0]]))
    query = f32([1, 0])
    assert vectors.top_k(query, 4) == [(5000, 2.0), (1000, 1.0), (1001, 1.0), (1002, 1.0)]
    assert [pk for pk, _ in vectors.top_k(query, 11)[1:]] == list(range(1000, 1010))
    assert [pk for pk, _ in vectors.top_k(query, 3, only=pks[:40])] == sorted(pks[:40])[:3]


def test_k_and_empty_edge_cases() -> None:
    vectors = ScopeVectors()
    assert vectors.top_k(np.zeros(4, dtype=np.float32), 5) == []
    assert vectors.dim is None and vectors.capacity == 0
    vectors.upsert([1, 2], f32([[1, 0, 0, 0], [0, 1, 0, 0]]))
    query = f32([1, 0, 0, 0])
    assert vectors.top_k(query, 0) == [] and vectors.top_k(query, -3) == []
    assert [pk for pk, _ in vectors.top_k(query, 10)] == [1, 2]
    vectors.upsert([], np.empty((0, 4), dtype=np.float32))
    assert len(vectors) == 2


def test_bad_input_raises_and_changes_nothing() -> None:
    vectors = ScopeVectors()
    vectors.upsert([1], f32([[1, 0, 0]]))
    with pytest.raises(ValueError, match="dim"):
        vectors.upsert([2], f32([[1, 0, 0, 0]]))
    with pytest.raises(ValueError, match="shape"):
        vectors.upsert([2, 3], f32([[1, 0, 0]]))
    with pytest.raises(ValueError, match="shape"):
        ScopeVectors().upsert([1], np.empty((1, 0), dtype=np.float32))
    with pytest.raises(ValueError, match="finite"):
        vectors.upsert([1, 2], f32([[0, 1, 0], [np.nan, 0, 0]]))
    with pytest.raises(ValueError, match="dim"):
        vectors.top_k(f32([1, 0]), 1)
    with pytest.raises(TypeError):
        vectors.upsert([2.5], f32([[1, 0, 0]]))  # type: ignore[list-item]
    assert len(vectors) == 1 and vectors.dim == 3 and 2 not in vectors
    np.testing.assert_array_equal(vectors.vector(1), [1, 0, 0])


def test_growth_is_geometric_and_keeps_data() -> None:
    rng = np.random.default_rng(11)
    batch = unit(rng, 2000, dim=8)
    vectors = ScopeVectors()
    capacities = set()
    for pk in range(2000):
        vectors.upsert([pk], batch[pk : pk + 1])
        capacities.add(vectors.capacity)
    assert len(capacities) <= 13  # 16 * 1.5**12 > 2000: a dozen reallocations, not 2000
    assert_matches(vectors, dict(zip(range(2000), batch, strict=True)))
    assert vectors.nbytes >= vectors.capacity * (8 * 4 + 8)
    hinted = ScopeVectors(capacity=2000)
    hinted.upsert(list(range(2000)), batch)
    assert hinted.capacity == 2000


vector_values = st.lists(st.integers(-3, 3), min_size=4, max_size=4)
pk_values = st.integers(0, 40)
# Each step upserts a batch (repeats allowed) and then deletes some pks, present or not.
steps = st.lists(
    st.tuples(
        st.lists(st.tuples(pk_values, vector_values), max_size=8),
        st.lists(pk_values, max_size=8),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None, database=None)
@given(
    steps=steps,
    query=vector_values,
    k=st.integers(-1, 45),
    only=st.none() | st.frozensets(st.integers(0, 50)),
)
def test_matches_a_dict_model(
    steps: list[tuple[list[tuple[int, list[int]]], list[int]]],
    query: list[int],
    k: int,
    only: frozenset[int] | None,
) -> None:
    vectors = ScopeVectors()
    model: Model = {}
    for items, gone in steps:
        pks = [pk for pk, _ in items]
        batch = f32([v for _, v in items]).reshape(len(pks), 4)
        vectors.upsert(pks, batch)
        model.update(zip(pks, batch, strict=True))
        assert_matches(vectors, model)
        vectors.delete(gone)
        for pk in gone:
            model.pop(pk, None)
        assert_matches(vectors, model)
    q = f32(query)
    # Integer vectors make scores and ties exact, so the ranking must match exactly.
    assert vectors.top_k(q, k, only) == brute_top_k(model, q, k, only)


def sized(rows: int) -> ScopeVectors:
    vectors = ScopeVectors(capacity=rows)
    vectors.upsert(list(range(rows)), np.ones((rows, 4), dtype=np.float32))
    return vectors


def test_lru_evicts_least_recently_used_and_accounts_bytes() -> None:
    a, b, c, d = (sized(100) for _ in range(4))
    size = a.nbytes
    cache = VectorCache(max_bytes=3 * size)
    cache.put(("a", "m"), a, seen=1)
    cache.put(("b", "m"), b, seen=2)
    cache.put(("c", "m"), c, seen=3)
    assert cache.total_bytes == 3 * size
    got = cache.get(("a", "m"))
    assert got is not None and got.vectors is a and got.seen == 1
    assert cache.lru_keys() == [("b", "m"), ("c", "m"), ("a", "m")]
    cache.put(("d", "m"), d, seen=4)
    assert cache.lru_keys() == [("c", "m"), ("a", "m"), ("d", "m")]
    assert cache.get(("b", "m")) is None
    assert cache.total_bytes == 3 * size
    cache.put(("d", "m"), sized(100), seen=5)  # replacing is not double counted
    assert cache.total_bytes == 3 * size and len(cache) == 3
    cache.evict(("c", "m"))
    cache.evict(("nope", "m"))
    assert cache.total_bytes == 2 * size and ("c", "m") not in cache
    cache.clear()
    assert cache.total_bytes == 0 and len(cache) == 0


def test_models_are_separate_entries() -> None:
    cache = VectorCache(max_bytes=10**9)
    first = cache.put(("global", "m1"), sized(3), seen=0)
    second = cache.put(("global", "m2"), sized(3), seen=0)
    assert cache.get(("global", "m1")) is first and cache.get(("global", "m2")) is second


def test_growth_reported_by_touch_size_evicts_others() -> None:
    small = sized(50).nbytes
    cache = VectorCache(max_bytes=3 * small)
    for name in "abc":
        cache.put((name, "m"), sized(50), seen=0)
    entry = cache.get(("a", "m"))
    assert entry is not None
    with entry.lock:
        entry.vectors.upsert(list(range(50, 120)), np.ones((70, 4), dtype=np.float32))
        entry.seen = 9
    cache.touch_size(("a", "m"))
    assert cache.total_bytes == entry.vectors.nbytes + sum(
        e.vectors.nbytes for k in cache.lru_keys() if k != ("a", "m") and (e := cache.get(k))
    )
    assert ("b", "m") not in cache and ("a", "m") in cache
    assert cache.total_bytes <= 3 * small
    cache.evict(("a", "m"))
    before = cache.total_bytes
    cache.touch_size(("a", "m"))  # an evicted entry no longer counts
    assert cache.total_bytes == before


def test_the_entry_just_put_is_never_evicted() -> None:
    cache = VectorCache(max_bytes=sized(10).nbytes * 2)
    cache.put(("small1", "m"), sized(10), seen=0)
    cache.put(("small2", "m"), sized(10), seen=0)
    huge = sized(1000)
    entry = cache.put(("huge", "m"), huge, seen=7)
    assert cache.lru_keys() == [("huge", "m")]
    assert cache.get(("huge", "m")) is entry and entry.vectors is huge
    assert cache.total_bytes == huge.nbytes > cache.max_bytes
    cache.touch_size(("huge", "m"))
    assert len(cache) == 1


def test_threads_share_an_entry_under_its_lock() -> None:
    cache = VectorCache(max_bytes=10**6)
    key = ("relationship:brad:alice", "m")
    cache.put(key, ScopeVectors(), seen=0)
    threads_n, rounds = 4, 150
    models: list[Model] = [{} for _ in range(threads_n)]
    failures: list[str] = []
    start = threading.Barrier(threads_n + 2)  # writers, churn and this thread

    def writer(me: int) -> None:
        rng = np.random.default_rng(me)
        model = models[me]
        mine = np.arange(me * 1000, me * 1000 + 60)
        try:
            start.wait()
            for _ in range(rounds):
                entry = cache.get(key)
                assert entry is not None
                with entry.lock:
                    gone = rng.choice(mine, size=5).tolist()
                    entry.vectors.delete(gone)
                    for pk in gone:
                        model.pop(pk, None)
                    pks = rng.choice(mine, size=8, replace=False).tolist()
                    batch = small_ints(rng, 8)
                    entry.vectors.upsert(pks, batch)
                    model.update(zip(pks, batch, strict=True))
                    entry.seen += 1
                    query = small_ints(rng, 1)[0]
                    got = entry.vectors.top_k(query, 5, only=mine.tolist())
                    if got != brute_top_k(model, query, 5):
                        failures.append(f"thread {me}: {got}")
                cache.touch_size(key)
        except Exception as error:  # surfaced below; a thread's raise would be swallowed
            failures.append(f"thread {me}: {error!r}")

    def churn() -> None:
        start.wait()
        for i in range(rounds):
            cache.put((f"persona:{i}", "m"), sized(5), seen=i)
            cache.evict((f"persona:{i - 3}", "m"))

    workers = [threading.Thread(target=writer, args=(me,)) for me in range(threads_n)]
    workers.append(threading.Thread(target=churn))
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # interleave threads far more often than by default
    try:
        for thread in workers:
            thread.start()
        start.wait()
        for thread in workers:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert failures == []
    entry = cache.get(key)
    assert entry is not None and entry.seen == threads_n * rounds
    merged = {pk: v for model in models for pk, v in model.items()}
    assert_matches(entry.vectors, merged)
    assert cache.total_bytes == sum(
        e.vectors.nbytes for k in cache.lru_keys() if (e := cache.get(k)) is not None
    )


def test_cache_bookkeeping_survives_concurrent_puts_and_evictions() -> None:
    sizes = [sized(rows) for rows in (4, 8, 16, 32)]
    cache = VectorCache(max_bytes=6 * sizes[-1].nbytes)
    failures: list[str] = []
    start = threading.Barrier(4)

    def worker(me: int) -> None:
        rng = np.random.default_rng(me)
        try:
            start.wait()
            for _ in range(3000):
                key = (f"scope:{rng.integers(12)}", "m")
                action = rng.integers(4)
                if action == 0:
                    cache.put(key, sizes[rng.integers(4)], seen=me)
                elif action == 1:
                    cache.evict(key)
                elif action == 2:
                    cache.touch_size(key)
                else:
                    cache.get(key)
        except Exception as error:  # surfaced below; a thread's raise would be swallowed
            failures.append(f"thread {me}: {error!r}")

    workers = [threading.Thread(target=worker, args=(me,)) for me in range(4)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert failures == []
    held = [e.vectors.nbytes for k in cache.lru_keys() if (e := cache.get(k)) is not None]
    assert cache.total_bytes == sum(held) <= cache.max_bytes
