"""Overlapping entity spans from several recognisers, reduced to one reading."""

from __future__ import annotations

from collections.abc import Sequence

from persona_memory.core.privacy import PiiSpan


def merge_spans(text: str, spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """Spans of one type that overlap become their union; between types, the more
    confident span wins, then the longer. The result has no overlaps."""
    ordered = sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start))
    kept: list[PiiSpan] = []
    for span in ordered:
        clash = [k for k in kept if span.start < k.end and k.start < span.end]
        if not clash:
            kept.append(span)
        elif all(k.type is span.type for k in clash):
            for k in clash:
                kept.remove(k)
            start = min([span.start, *(k.start for k in clash)])
            end = max([span.end, *(k.end for k in clash)])
            score = max([span.score, *(k.score for k in clash)])
            kept.append(PiiSpan(span.type, start, end, score, text[start:end]))
    return sorted(kept, key=lambda s: s.start)
