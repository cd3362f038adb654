"""What an unrelated memory's cosine similarity to a query looks like, per embedder.

Raw cosine similarity is not a relevance: a static embedding model puts any two
English sentences at 0.7-0.8 (its vectors share a common direction), MiniLM at
0.0-0.2. Each query is therefore compared with a fixed set of everyday statements
about nothing in particular; a memory's similarity counts only as far as it rises
above the high end (``QUANTILE``) of theirs, scaled so that identical texts stay 1.
"""

from __future__ import annotations

import threading

import numpy as np

from persona_memory.core.ports import Embedder, Vectors

# Statements of the kind memories hold, on unrelated everyday topics. A query that
# happens to be about one of them moves one of ~50: the quantile ignores it.
SENTENCES = (
    "She bought a new bicycle last spring.",
    "The meeting was moved to Tuesday afternoon.",
    "He has two cats named Miso and Tofu.",
    "We painted the kitchen a pale green.",
    "I usually take the train to work.",
    "Their daughter started school in September.",
    "The concert tickets sold out in an hour.",
    "He prefers tea without sugar.",
    "She is learning to play the violin.",
    "Our neighbours are renovating their garden.",
    "I watched a documentary about volcanoes.",
    "The car needs new tyres before winter.",
    "He ran his first half marathon in May.",
    "She works as a nurse at the city hospital.",
    "We spent the weekend hiking in the mountains.",
    "I lost my umbrella on the bus again.",
    "His brother lives in Toronto.",
    "She collects old postcards from flea markets.",
    "The library closes early on Saturdays.",
    "I am reading a novel about a lighthouse keeper.",
    "He fixed the leaking tap himself.",
    "They adopted a dog from the shelter.",
    "She likes to cook spicy curries on Sundays.",
    "My phone battery barely lasts a day.",
    "He is saving money for a trip to Japan.",
    "The team won the match in extra time.",
    "She moved into a flat near the river.",
    "I have a dentist appointment next week.",
    "He studied chemistry at university.",
    "We celebrated her birthday at a pizza place.",
    "The printer in the office is broken.",
    "She goes swimming every morning before work.",
    "I planted tomatoes and basil on the balcony.",
    "He got a promotion to team lead.",
    "They are planning a wedding for next summer.",
    "She cannot stand horror films.",
    "I forgot to water the plants while I was away.",
    "He plays chess online in the evenings.",
    "The bakery on the corner makes great croissants.",
    "She had the flu for most of January.",
    "We argued about which film to watch.",
    "He keeps a journal of the birds he sees.",
    "I switched to a standing desk last month.",
    "Her grandmother taught her to knit.",
    "The flight was delayed by three hours.",
    "He volunteers at a food bank on Fridays.",
    "She is nervous about her driving test.",
    "I found an old photo album in the attic.",
)

# The share of the background that an unrelated memory may rise above unnoticed.
QUANTILE = 1.0  # the highest: an unrelated memory must not beat every statement


class Background:
    """The background similarity of a query under one embedder (embedded once)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._vectors: Vectors | None = None
        self._lock = threading.Lock()

    def level(self, query: Vectors) -> float:
        """The ``QUANTILE`` of the query's cosine similarity to the background."""
        similarities = self._background() @ _unit(query)
        if QUANTILE >= 1.0:  # np.quantile sorts: 0.4 ms a search for what max() gives
            return float(similarities.max())
        return float(np.quantile(similarities, QUANTILE))

    def _background(self) -> Vectors:
        with self._lock:
            if self._vectors is None:
                vectors = self._embedder.embed(list(SENTENCES))
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                self._vectors = vectors / np.maximum(norms, 1e-12)
            return self._vectors


def above_background(similarity: float, level: float) -> float:
    """How far ``similarity`` rises above ``level``, as a share of the way to 1."""
    if level >= 1.0:
        return 0.0
    return min(max((similarity - level) / (1.0 - level), 0.0), 1.0)


def _unit(vector: Vectors) -> Vectors:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
