"""Reading the LoCoMo data set: conversations of dated sessions, and QA with evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ADVERSARIAL = 5  # category 5 questions have no answer in the conversation
# Turns on each side that a turn's context holds: chosen by leave-one-conversation-out
# (bench/results/retrieval.md).
DEFAULT_CONTEXT_TURNS = 2


@dataclass(frozen=True, slots=True)
class Turn:
    dia_id: str
    text: str
    session: int = 0
    date: str = ""  # the session's, as LoCoMo writes it ("1:56 pm on 8 May, 2023")


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    evidence: frozenset[str]
    category: int


@dataclass(frozen=True, slots=True)
class Conversation:
    sample_id: str
    turns: list[Turn]
    questions: list[Question]


def load_locomo(
    path: Path, limit: int | None = None, *, questions: int | None = None
) -> list[Conversation]:
    """The first ``limit`` conversations, each with its first ``questions`` questions
    (None: all of them; a quick run asks fewer, every turn is still ingested)."""
    samples = json.loads(path.read_text(encoding="utf-8"))
    conversations = [_conversation(sample) for sample in samples[:limit]]
    if questions is not None:
        for conversation in conversations:
            del conversation.questions[questions:]
    return conversations


def _conversation(sample: dict[str, object]) -> Conversation:
    conversation = sample["conversation"]
    assert isinstance(conversation, dict)
    turns: list[Turn] = []
    session = 1
    while f"session_{session}" in conversation:
        date = str(conversation.get(f"session_{session}_date_time", ""))
        turns.extend(_turn(raw, session, date) for raw in conversation[f"session_{session}"])
        session += 1
    raw_questions = sample["qa"]
    assert isinstance(raw_questions, list)
    questions = [
        Question(str(qa["question"]), frozenset(qa.get("evidence", [])), int(qa["category"]))
        for qa in raw_questions
        if int(qa["category"]) != ADVERSARIAL and qa.get("evidence")
    ]
    return Conversation(str(sample["sample_id"]), turns, questions)


def _turn(raw: dict[str, str], session: int, date: str) -> Turn:
    text = f"{raw['speaker']}: {raw['text']}"
    if raw.get("blip_caption"):
        text += f" [shares a photo of {raw['blip_caption']}]"
    return Turn(raw["dia_id"], text, session, date)


def turn_context(
    turns: list[Turn],
    index: int,
    *,
    before: int = DEFAULT_CONTEXT_TURNS,
    after: int = DEFAULT_CONTEXT_TURNS,
) -> str:
    """What a turn was said in, as a memory's ``context``: its session's date and
    the turns around it in the same session (docs/retrieval.md)."""
    turn = turns[index]
    around = turns[max(0, index - before) : index] + turns[index + 1 : index + 1 + after]
    lines = [t.text for t in around if t.session == turn.session]
    return "\n".join([turn.date, *lines] if turn.date else lines)
