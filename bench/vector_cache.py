"""Micro-benchmark of the in-process vector cache at the size that made SQL loading slow.

    python bench/vector_cache.py [--rows 100000] [--dim 384] [--queries 300]

Clustered unit vectors (gaussian centres plus noise), because real embeddings cluster and
uniform random vectors would make every score near zero. Set OMP_NUM_THREADS=1 to see
the single-threaded figures that matter when several searches run at once.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from persona_memory.storage.vector_cache import ScopeVectors

CENTRES = 200
NOISE = 0.6  # per coordinate, against unit-variance centres: cosine to own centre ~0.85
BATCH = 1_000
SUBSET = 5_000
K = 50
DELETES = 1_000


def clustered(
    rng: np.random.Generator, centres: npt.NDArray[np.float32], n: int
) -> npt.NDArray[np.float32]:
    vectors = centres[rng.integers(len(centres), size=n)]
    vectors += NOISE * rng.standard_normal(vectors.shape, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def percentiles(samples: list[float]) -> str:
    p50, p95 = np.percentile(samples, [50, 95])
    return f"p50 {p50:7.3f} ms   p95 {p95:7.3f} ms"


def timed(call: Callable[..., object], argsets: Iterable[tuple[Any, ...]]) -> list[float]:
    samples = []
    for args in argsets:
        started = time.perf_counter()
        call(*args)
        samples.append((time.perf_counter() - started) * 1e3)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((CENTRES, args.dim), dtype=np.float32)
    data = clustered(rng, centres, args.rows)
    pks = rng.choice(10 * args.rows, size=args.rows, replace=False)
    queries = clustered(rng, centres, args.queries)
    subsets = [set(rng.choice(pks, size=SUBSET, replace=False).tolist()) for _ in queries]
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    load = os.getloadavg()[0]  # other work on the box skews BLAS timings badly
    print(
        f"{args.rows:,} x {args.dim} float32, {CENTRES} clusters, "
        f"OMP_NUM_THREADS={threads}, {os.cpu_count()} cpus, load {load:.2f}"
    )

    vectors = ScopeVectors()
    batches = range(0, args.rows, BATCH)
    inserts = timed(
        vectors.upsert, ((pks[at : at + BATCH].tolist(), data[at : at + BATCH]) for at in batches)
    )
    print(
        f"insert {len(inserts)} batches of {BATCH:,}: total {sum(inserts):8.1f} ms   "
        + percentiles(inserts)
    )

    best = vectors.top_k(queries[0], K)
    exact = pks[np.argsort(-(data @ queries[0]), kind="stable")[:K]]
    assert [pk for pk, _ in best] == exact.tolist(), "top_k disagrees with a full sort"
    for q in queries[:10]:  # warm caches and BLAS threads before timing
        vectors.top_k(q, K)
    full = timed(vectors.top_k, ((q, K) for q in queries))
    print(f"top_k(q, {K}) over {len(vectors):,}:           " + percentiles(full))
    only = timed(vectors.top_k, ((q, K, s) for q, s in zip(queries, subsets, strict=True)))
    print(f"top_k(q, {K}, only={SUBSET:,} random pks):  " + percentiles(only))
    live = vectors.nbytes
    matrix = args.rows * args.dim * 4
    print(
        f"bytes held: {live:,} ({live / 2**20:.1f} MiB; live vectors {matrix / 2**20:.1f} MiB, "
        f"capacity {vectors.capacity:,} rows)"
    )

    doomed = rng.choice(pks, size=DELETES, replace=False).tolist()
    deletes = timed(vectors.delete, (([pk],) for pk in doomed))
    print(
        f"{DELETES:,} single deletes: total {sum(deletes):.2f} ms, "
        f"{1e3 * sum(deletes) / DELETES:.2f} us each"
    )


if __name__ == "__main__":
    main()
