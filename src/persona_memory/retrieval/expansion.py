"""Query expansion from the reader's own words.

"What European countries has Maria been to?" shares no word with "Last year I
took a solo trip and took this pic in Spain", and a small dense model does
not put the two close. But "spain" is a word of the memories the first pass
found for that reader, and the embedder puts it near "european". So: the words
of the first pass's best candidates (only the reader's own memories: no word of
another relationship is ever used) that the embedder places nearest each of
the question's content words, above a similarity floor, become a second
full-text query, and its ranking is fused with the other two at a lower
weight. Each word's vector is computed once and remembered.

Off by default (``PERSONA_MEMORY_EXPANSION_WEIGHT=0``): on LoCoMo dev it gains
R@10 and multi-hop recall (most under linear fusion), but its second full-text
query, the candidates' words and their vectors took a default search from p95
12.7 ms to 23.8 ms in the bench, past its latency target (docs/retrieval.md,
"Query expansion").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np

from persona_memory.core.ports import Embedder
from persona_memory.retrieval.terms import content_words

# The expansion ranking's weight against full text's 1; 0: off, the default, for
# its latency (above). docs/retrieval.md gives the weight the folds chose.
EXPANSION_WEIGHT = 0.0
# How alike a word must be to a question's word to stand in for it: the cosine
# of the two words' vectors. MiniLM puts "european" and "spain" at 0.5-0.6,
# "exercise" and "gym" near 0.6; unrelated words mostly under 0.4.
EXPANSION_SIMILARITY = 0.5
# Words added per word of the question, at most.
PER_TERM = 5
# How many of the first pass's best candidates (of each ranking) lend their words.
POOL = 20
# Words whose vectors are remembered, least recently used dropped first.
REMEMBERED = 200_000


class WordVectors:
    """Unit vectors of single words from an embedder, each computed once."""

    def __init__(self, embedder: Embedder, remembered: int = REMEMBERED) -> None:
        self._embedder = embedder
        self._remembered = remembered
        self._known: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, words: Sequence[str]) -> np.ndarray:
        """A (len(words), dimension) array; words never seen are embedded in one batch."""
        with self._lock:
            missing = [w for w in dict.fromkeys(words) if w not in self._known]
        if missing:
            # The embedder's vectors are unit length (core/ports.py): cosine is a product.
            vectors = np.asarray(self._embedder.embed(missing), dtype=np.float32)
            with self._lock:
                self._known.update(zip(missing, vectors, strict=True))
                while len(self._known) > self._remembered:
                    self._known.popitem(last=False)
        with self._lock:
            rows = []
            for word in words:
                vector = self._known.get(word)
                if vector is None:  # dropped by a concurrent search; embed it alone
                    vector = self._embedder.embed([word])[0]
                else:
                    self._known.move_to_end(word)
                rows.append(vector)
        return np.stack(rows) if rows else np.zeros((0, self._embedder.dimension), np.float32)


def expansion_terms(
    question: Sequence[str],
    texts: Iterable[str],
    vectors: WordVectors,
    *,
    similarity: float = EXPANSION_SIMILARITY,
    per_term: int = PER_TERM,
) -> list[str]:
    """For each of the question's content words (numbers aside), the words of
    ``texts`` nearest to it with a cosine of at least ``similarity``, up to
    ``per_term`` each; none of the question's own. Ties go to the word first in
    alphabetical order, so the result is deterministic."""
    asked = [term for term in question if not term.isdigit()]
    own = set(question)
    words = sorted(content_words(texts) - own)
    if not asked or not words:
        return []
    similarities = vectors.of(asked) @ vectors.of(words).T
    added: dict[str, None] = {}
    for row in similarities:
        # Best first; among equal similarities the alphabetical order of ``words``.
        order = np.argsort(-row, kind="stable")[:per_term]
        added |= {words[j]: None for j in order if row[j] >= similarity}
    return list(added)
