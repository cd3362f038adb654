"""How the default ``min_score`` was chosen (docs/retrieval.md, "Scores").

Ingests the LoCoMo dev set (every turn a memory, with its context) with the
default embedder, takes each question's top 10 with no floor, then, leaving one
conversation out at a time, picks on the other four the largest floor whose
recall@10 loss is at most ``--max-loss``, and reports what that floor costs and
drops on the held-out conversation.

    python scripts/min_score_loo.py [--data ../shared/bench/locomo_dev.json]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from persona_memory import Memory, Settings
from persona_memory.bench.locomo import load_locomo
from persona_memory.bench.retrieval import PERSONA, ingest

FLOORS = [n / 100 for n in range(0, 61, 2)]


@dataclass(frozen=True)
class Hit:
    conversation: str
    question: int
    relevance: float
    evidence: bool
    evidence_count: int


def top_tens(data: Path) -> list[Hit]:
    conversations = load_locomo(data)
    hits: list[Hit] = []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"{folder}/locomo.db", transcripts_dir=Path(folder))
        with Memory(settings=settings) as memory:
            ingest(memory, conversations)
            for conversation in conversations:
                for n, question in enumerate(conversation.questions):
                    found = memory.search(
                        question.text,
                        persona_id=PERSONA,
                        user_id=conversation.sample_id,
                        limit=10,
                        min_score=0,
                    ).results
                    hits.extend(
                        Hit(
                            conversation.sample_id,
                            n,
                            hit.relevance,
                            str(hit.metadata["dia_id"]) in question.evidence,
                            len(question.evidence),
                        )
                        for hit in found
                    )
    return hits


def recall_and_dropped(hits: list[Hit], floor: float) -> tuple[float, float, float]:
    """Recall@10 without a floor, with it, and the share of non-evidence hits left out."""
    questions: dict[tuple[str, int], list[Hit]] = defaultdict(list)
    for hit in hits:
        questions[(hit.conversation, hit.question)].append(hit)
    before = after = 0.0
    for found in questions.values():
        total = found[0].evidence_count
        before += sum(h.evidence for h in found) / total
        after += sum(h.evidence and h.relevance >= floor for h in found) / total
    other = [h for h in hits if not h.evidence]
    dropped = sum(h.relevance < floor for h in other) / max(len(other), 1)
    return before / len(questions), after / len(questions), dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/bench/locomo_dev.json"))
    parser.add_argument("--max-loss", type=float, default=0.01)
    args = parser.parse_args()
    hits = top_tens(args.data)
    conversations = sorted({h.conversation for h in hits})
    floors, losses, drops = [], [], []
    for held in conversations:
        train = [h for h in hits if h.conversation != held]
        test = [h for h in hits if h.conversation == held]
        fits = [f for f in FLOORS if _loss(train, f) <= args.max_loss]
        floor = max(fits)
        before, after, dropped = recall_and_dropped(test, floor)
        floors.append(floor)
        losses.append(before - after)
        drops.append(dropped)
        print(f"{held}: floor {floor:.2f}, held-out recall@10 loss {before - after:.4f}")
    print(
        f"floors {floors}; mean held-out recall@10 loss {statistics.fmean(losses):.4f}; "
        f"non-evidence hits left out {statistics.fmean(drops):.3f}"
    )


def _loss(hits: list[Hit], floor: float) -> float:
    before, after, _ = recall_and_dropped(hits, floor)
    return before - after


if __name__ == "__main__":
    main()
