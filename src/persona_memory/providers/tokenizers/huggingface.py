"""A Hugging Face ``tokenizer.json`` through the ``tokenizers`` library: real
token counts, offline. The default is the embedding model's own tokenizer
(all-MiniLM-L6-v2's, shipped in ``providers/embedders/data``).

A prompt is counted whole at the end of every build, a few thousand tokens
each time. For a BERT-style tokenizer (``BertNormalizer`` + ``BertPreTokenizer``)
no token spans whitespace, so a text's count is the sum of its
whitespace-separated chunks' counts, and each chunk's count is cached: counting
a prompt is then a split and a few hundred lookups, not a fresh encoding.
Any other tokenizer encodes the whole text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

# The characters a BertNormalizer keeps as whitespace (Unicode White_Space
# minus the control characters it deletes: \v, \f, \x85), where
# BertPreTokenizer splits. Splitting on Python's str.split() would also split
# on \v, \f, \x1c-\x1f and \x85, which the normalizer deletes, joining words.
BERT_WHITESPACE = re.compile(r"[\t\n\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Where neither of those occurs, str.split() splits where BERT_WHITESPACE does
# (dropping the empty ends, which count nothing) and is three times faster.
_DELETED_SPACES = re.compile(r"[\v\f\x1c-\x1f\x85]")


class HuggingFaceTokenizer:
    def __init__(self, path: str | Path, *, name: str | None = None) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))
        # Counting must see the whole text: a truncating tokenizer under-counts.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.name = name or Path(path).parent.name
        self._chunk_count = lru_cache(maxsize=262_144)(self._encoded_count)
        whole: Callable[[str], int] = (
            self._chunked_count if splits_on_whitespace(Path(path)) else self._encoded_count
        )
        # The same memory lines recur in every prompt of a relationship.
        self._text_count = lru_cache(maxsize=65_536)(whole)

    def count(self, text: str) -> int:
        return self._text_count(text)

    def cache_clear(self) -> None:
        self._text_count.cache_clear()
        self._chunk_count.cache_clear()

    def _chunked_count(self, text: str) -> int:
        chunks = BERT_WHITESPACE.split(text) if _DELETED_SPACES.search(text) else text.split()
        # map over the cached counter: a generator here was most of a recount's time.
        return sum(map(self._chunk_count, chunks))

    def _encoded_count(self, text: str) -> int:
        if not text:
            return 0
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def splits_on_whitespace(path: Path) -> bool:
    """Whether no token of this tokenizer can span whitespace (BERT's WordPiece)."""
    config = json.loads(path.read_text(encoding="utf-8"))
    normalizer = config.get("normalizer") or {}
    pre_tokenizer = config.get("pre_tokenizer") or {}
    return (
        normalizer.get("type") == "BertNormalizer"
        and normalizer.get("clean_text", True)
        and pre_tokenizer.get("type") == "BertPreTokenizer"
        and (config.get("model") or {}).get("type") == "WordPiece"
    )


def minilm() -> HuggingFaceTokenizer:
    """all-MiniLM-L6-v2's WordPiece tokenizer: the copy shipped with the static
    embedder's table, so counting needs no model package."""
    from persona_memory.providers.embedders.static import DATA, TOKENIZER

    return HuggingFaceTokenizer(DATA / TOKENIZER, name="minilm")
