"""In-process vectors per (scope, model), so a search scores memory instead of reloading SQL.

Loading every visible vector from SQL per query costs ~0.7 s at 100k memories; keeping
them resident and applying the change log incrementally makes a query one matrix-vector
product. The SQL glue that fills and refreshes these structures lives elsewhere.
"""

from __future__ import annotations

import operator
import sys
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence

import numpy as np
import numpy.typing as npt

Key = tuple[str, str]
"""(scope_key, model): vectors of different models are never comparable."""

_MIN_CAPACITY = 16
_GROWTH = 1.5  # below 2 so the spare capacity the byte budget pays for stays near a third
# The pk index is a dict of Python ints; counted so the byte budget is honest.
_INDEX_INTS_BYTES = 2 * sys.getsizeof(2**40)


class ScopeVectors:
    """Rows of one (scope, model), addressed by memory pk.

    Not thread-safe: callers serialise access with the owning ``CachedScope.lock``.
    """

    def __init__(self, capacity: int = 0) -> None:
        # ``capacity`` lets a loader that knows the row count allocate once.
        self._first_capacity = max(capacity, _MIN_CAPACITY)
        self._dim: int | None = None
        self._matrix: npt.NDArray[np.float32] = np.empty((0, 0), dtype=np.float32)
        self._pks: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._rows: dict[int, int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, pk: object) -> bool:
        return pk in self._rows

    @property
    def dim(self) -> int | None:
        """Fixed by the first non-empty upsert; ``None`` until then."""
        return self._dim

    @property
    def capacity(self) -> int:
        """Rows allocated; grows geometrically, so it changes only O(log n) times."""
        return int(self._matrix.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held, spare capacity and the pk index included (the index is estimated)."""
        index = sys.getsizeof(self._rows) + _INDEX_INTS_BYTES * len(self._rows)
        return self._matrix.nbytes + self._pks.nbytes + index

    def vector(self, pk: int) -> npt.NDArray[np.float32] | None:
        """A copy, because the row may move on the next delete."""
        row = self._rows.get(pk)
        return None if row is None else self._matrix[row].copy()

    def upsert(self, pks: Sequence[int], vectors: npt.ArrayLike) -> None:
        keys = [operator.index(pk) for pk in pks]
        batch = np.asarray(vectors, dtype=np.float32)
        if not keys and batch.size == 0:
            return
        self._check(keys, batch)
        pk_values = np.array(keys, dtype=np.int64)  # an out-of-range pk fails before any write
        distinct = set(keys)
        fresh = sum(1 for pk in distinct if pk not in self._rows)
        self._reserve(self._count + fresh, batch.shape[1])
        rows = np.empty(len(keys), dtype=np.intp)
        for i, pk in enumerate(keys):
            row = self._rows.get(pk)
            if row is None:
                row = self._rows[pk] = self._count
                self._count += 1
            rows[i] = row
        self._pks[rows] = pk_values  # a repeated pk writes the same value, so order is moot
        if len(distinct) < len(keys):
            # numpy leaves repeated fancy-index writes unordered; keep each pk's last vector.
            _, last = np.unique(rows[::-1], return_index=True)
            keep = len(keys) - 1 - last
            rows, batch = rows[keep], batch[keep]
        self._matrix[rows] = batch

    def delete(self, pks: Iterable[int]) -> None:
        for pk in pks:
            row = self._rows.pop(operator.index(pk), None)
            if row is None:
                continue
            last = self._count - 1
            if row != last:
                # Fill the hole with the last row so a delete never shifts the matrix.
                moved = int(self._pks[last])
                self._matrix[row] = self._matrix[last]
                self._pks[row] = moved
                self._rows[moved] = row
            self._count = last

    def top_k(
        self, query: npt.ArrayLike, k: int, only: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Best-first ``(pk, score)`` by dot product; equal scores go to the lower pk."""
        if k <= 0 or self._count == 0:
            return []
        q = np.asarray(query, dtype=np.float32)
        if q.shape != (self._dim,):
            raise ValueError(f"query has shape {q.shape}, this scope holds dim {self._dim}")
        live = self._matrix[: self._count]  # a view: the matrix is never copied
        if only is None:
            return _best(live @ q, self._pks[: self._count], k)
        wanted = only if isinstance(only, set | frozenset) else set(only)
        rows = np.fromiter(
            (r for pk in wanted if (r := self._rows.get(pk)) is not None), dtype=np.intp
        )
        if rows.size == 0:
            return []
        # Gathering a large subset would copy most of the matrix; scoring in place does not.
        scores = (live @ q)[rows] if 2 * rows.size >= self._count else live[rows] @ q
        return _best(scores, self._pks[rows], k)

    def _check(self, keys: list[int], batch: npt.NDArray[np.float32]) -> None:
        # Everything is validated before the first write so a bad batch changes nothing.
        if batch.ndim != 2 or batch.shape[0] != len(keys) or batch.shape[1] == 0:
            raise ValueError(f"expected vectors of shape ({len(keys)}, dim), got {batch.shape}")
        if self._dim is not None and batch.shape[1] != self._dim:
            raise ValueError(f"vectors have dim {batch.shape[1]}, this scope holds {self._dim}")
        if not np.isfinite(batch).all():
            raise ValueError("vectors must be finite")  # one NaN would poison every top-k

    def _reserve(self, needed: int, dim: int) -> None:
        capacity = self._matrix.shape[0]
        if needed <= capacity:
            return
        # Geometric growth keeps inserts amortised O(1) instead of a copy per batch.
        grown = max(needed, int(capacity * _GROWTH), self._first_capacity)
        matrix = np.empty((grown, dim), dtype=np.float32)
        pks = np.empty(grown, dtype=np.int64)
        if self._count:
            matrix[: self._count] = self._matrix[: self._count]
            pks[: self._count] = self._pks[: self._count]
        self._matrix, self._pks, self._dim = matrix, pks, dim


def _best(
    scores: npt.NDArray[np.float32], pks: npt.NDArray[np.int64], k: int
) -> list[tuple[int, float]]:
    n = scores.shape[0]
    if k < n:
        # Take every row tied with the k-th score, not just the ones argpartition happened
        # to keep, so the pk tie-break decides who makes the cut.
        threshold = scores[np.argpartition(scores, n - k)[n - k]]
        top = np.flatnonzero(scores >= threshold)
    else:
        top = np.arange(n)
    chosen = top[np.lexsort((pks[top], -scores[top]))[:k]]
    return [(int(pk), float(s)) for pk, s in zip(pks[chosen], scores[chosen], strict=True)]


class CachedScope:
    """One cache entry; hold ``lock`` while applying changes to or scoring ``vectors``."""

    __slots__ = ("lock", "seen", "vectors")

    def __init__(self, vectors: ScopeVectors, seen: int) -> None:
        self.vectors = vectors
        self.seen = seen  # the last change-log sequence number applied to ``vectors``
        self.lock = threading.Lock()


class VectorCache:
    """LRU of ``CachedScope`` bounded by the bytes their vectors hold.

    Never takes an entry's lock, so callers may call in while holding one. An evicted
    entry stays valid for whoever still holds it; it is only forgotten by the cache.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, CachedScope] = OrderedDict()
        # Sizes as last reported: entries grow under their own lock, not ours.
        self._charged: dict[Key, int] = {}
        self._total = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @property
    def total_bytes(self) -> int:
        return self._total

    def lru_keys(self) -> list[Key]:
        """Least recently used first."""
        with self._lock:
            return list(self._entries)

    def get(self, key: Key) -> CachedScope | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Key, vectors: ScopeVectors, seen: int) -> CachedScope:
        entry = CachedScope(vectors, seen)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            self._charge(key, vectors.nbytes)
            self._shrink()
        return entry

    def touch_size(self, key: Key) -> None:
        """Re-read the entry's size after changes were applied, and evict if over budget."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return  # evicted meanwhile; its size no longer counts
            self._entries.move_to_end(key)
            self._charge(key, entry.vectors.nbytes)
            self._shrink()

    def evict(self, key: Key) -> None:
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._total -= self._charged.pop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._charged.clear()
            self._total = 0

    def _charge(self, key: Key, nbytes: int) -> None:
        self._total += nbytes - self._charged.get(key, 0)
        self._charged[key] = nbytes

    def _shrink(self) -> None:
        # Callers first move the entry they are about to use to the end: evicting it would
        # only force a reload, so it stays even when it alone is over budget.
        while self._total > self.max_bytes and len(self._entries) > 1:
            oldest, _ = self._entries.popitem(last=False)
            self._total -= self._charged.pop(oldest)
