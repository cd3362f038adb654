"""A sentence-transformers ``CrossEncoder`` as the reranker (torch; the 'local'
extra).

The model is a folder or a name on the model hub, loaded when the reranker is
made, so that a wrong name fails at start-up rather than on a search. No
cross-encoder's weights install from PyPI, so none is the default and none is
measured in docs/retrieval.md; with hub access (or a downloaded folder),
``cross-encoder/ms-marco-MiniLM-L-6-v2`` is the usual small choice.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from persona_memory.core.errors import InvalidInput

DEFAULT_MODEL = "cross-encoder/ms-marco-MiniLM-L-6-v2"


class CrossEncoderReranker:
    def __init__(self, model: str = DEFAULT_MODEL, threads: int = 1) -> None:
        self._model_id = model
        self._threads = threads
        self._model = _load_model(model)
        # One inference at a time on one thread, as the sentence-transformers
        # embedder does: torch's thread pool belongs to the thread that starts it.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reranker")

    @property
    def name(self) -> str:
        return self._model_id

    def score(self, question: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        pairs = [(question, text) for text in texts]
        predicted = self._worker.submit(self._predict, pairs).result()
        # A model with two labels or more scores each; the last is "relevant" in
        # the binary rerankers that have two.
        scores = [float(p[-1]) if getattr(p, "ndim", 0) else float(p) for p in predicted]
        # A score that is not a number ranks last rather than breaking the sort.
        return [s if math.isfinite(s) else -math.inf for s in scores]

    def _predict(self, pairs: list[tuple[str, str]]) -> Any:
        import torch

        torch.set_num_threads(self._threads)
        return self._model.predict(pairs, convert_to_numpy=True, show_progress_bar=False)

    def close(self) -> None:
        self._worker.shutdown(wait=True)


def _load_model(model: str) -> Any:
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from sentence_transformers import CrossEncoder
    except ImportError as error:
        raise InvalidInput(
            "the cross-encoder reranker needs the 'local' extra: "
            "pip install torch==2.13.0 && pip install 'persona-memory[local]'",
            field="reranker",
        ) from error
    try:
        return CrossEncoder(model, device="cpu")
    except (OSError, ValueError) as error:
        raise InvalidInput(
            f"cannot load the cross-encoder {model!r} (a model folder, or a name on the "
            f"model hub when it is reachable): {error}",
            field="reranker_model",
        ) from error
