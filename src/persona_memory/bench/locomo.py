"""Reading the LoCoMo data set: conversations of dated sessions, and QA with evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ADVERSARIAL = 5  # category 5 questions have no answer in the conversation


@dataclass(frozen=True, slots=True)
class Turn:
    dia_id: str
    text: str


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


def load_locomo(path: Path, limit: int | None = None) -> list[Conversation]:
    samples = json.loads(path.read_text(encoding="utf-8"))
    return [_conversation(sample) for sample in samples[:limit]]


def _conversation(sample: dict[str, object]) -> Conversation:
    conversation = sample["conversation"]
    assert isinstance(conversation, dict)
    turns: list[Turn] = []
    session = 1
    while f"session_{session}" in conversation:
        turns.extend(_turn(raw) for raw in conversation[f"session_{session}"])
        session += 1
    raw_questions = sample["qa"]
    assert isinstance(raw_questions, list)
    questions = [
        Question(str(qa["question"]), frozenset(qa.get("evidence", [])), int(qa["category"]))
        for qa in raw_questions
        if int(qa["category"]) != ADVERSARIAL and qa.get("evidence")
    ]
    return Conversation(str(sample["sample_id"]), turns, questions)


def _turn(raw: dict[str, str]) -> Turn:
    text = f"{raw['speaker']}: {raw['text']}"
    if raw.get("blip_caption"):
        text += f" [shares a photo of {raw['blip_caption']}]"
    return Turn(raw["dia_id"], text)
