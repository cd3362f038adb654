"""One system prompt under a token budget, with a manifest (seed 004's composite
prompt; seeds 000, 002, 003 add sections).

The prompt service gathers :class:`Line` candidates for each section; the
pure :func:`assemble` here decides what fits. Core identity always goes in
(cut, with a marker, only when it alone exceeds the budget). Every other line
competes on ``priority`` (its section's) and then ``score`` (its relevance),
whole or not at all: a line is never cut mid-sentence. What did not fit is
listed in ``dropped`` with the reason, and the rendered prompt is counted
again at the end, so it never exceeds the budget whatever the tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from pydantic import Field, StrictInt

from persona_memory.core.base import Model, Output
from persona_memory.core.ids import PERSONA_ID_PATTERN, SESSION_ID_PATTERN, USER_ID_PATTERN

DEFAULT_BUDGET = 2_000
TRUNCATION_MARKER = " [...]"


class Section(StrEnum):
    """The sections, in the order they appear."""

    CORE_IDENTITY = "core_identity"
    RELATIONSHIP = "relationship"
    FACTS = "facts"
    PROFILE = "profile"
    CORE_MEMORY = "core_memory"
    ABOUT_YOU = "about_you"
    RECENT_CONTEXT = "recent_context"
    CONVERSATION_STYLE = "conversation_style"
    TASK = "task"


# Seed 004's titles; {name} is the user's name, {profile_title} the persona's.
TITLES: dict[Section, str] = {
    Section.CORE_IDENTITY: "=== CORE IDENTITY ===",
    Section.RELATIONSHIP: "=== YOUR RELATIONSHIP WITH THIS USER ===",
    Section.FACTS: "=== WHAT YOU KNOW ABOUT {name} ===",
    Section.PROFILE: "=== {profile_title} ===",
    Section.CORE_MEMORY: "=== CORE MEMORY ===",
    Section.ABOUT_YOU: "=== ABOUT YOU ===",
    Section.RECENT_CONTEXT: "=== RECENT CONTEXT ===",
    Section.CONVERSATION_STYLE: "=== CONVERSATION STYLE ===",
    Section.TASK: "=== YOUR TASK ===",
}

# What goes first when the budget is short (core identity always goes in).
PRIORITY: dict[Section, int] = {
    Section.TASK: 90,
    Section.RELATIONSHIP: 80,
    Section.FACTS: 70,
    Section.PROFILE: 65,
    Section.CORE_MEMORY: 60,
    Section.RECENT_CONTEXT: 50,
    Section.CONVERSATION_STYLE: 45,
    Section.ABOUT_YOU: 40,
}


class PromptRequest(Model):
    persona_id: str = Field(pattern=PERSONA_ID_PATTERN)
    user_id: str = Field(pattern=USER_ID_PATTERN)
    query: str | None = Field(
        default=None, min_length=1, max_length=2_000, description="what the user is asking"
    )
    session_id: str | None = Field(default=None, pattern=SESSION_ID_PATTERN)
    token_budget: StrictInt = Field(default=DEFAULT_BUDGET, ge=1, le=200_000)
    sections: list[Section] | None = Field(
        default=None, description="only these sections (default: all)"
    )


class PromptItem(Output):
    id: str
    kind: str
    score: float
    reason: str


class PromptSection(Output):
    name: Section
    title: str
    tokens: int
    items: list[PromptItem]


class DroppedItem(Output):
    id: str
    kind: str
    reason: str


class Prompt(Output):
    prompt: str
    total_tokens: int
    token_budget: int
    tokenizer: str
    sections: list[PromptSection]
    dropped: list[DroppedItem]


@dataclass(frozen=True, slots=True)
class Line:
    """One candidate line of one section."""

    section: Section
    id: str
    kind: str
    text: str
    score: float
    reason: str


Count = Callable[[str], int]


def assemble(
    lines: Sequence[Line],
    titles: Mapping[Section, str],
    budget: int,
    count: Count,
    *,
    tokenizer: str = "",
) -> Prompt:
    """The prompt of ``lines`` that fits ``budget`` tokens, with its manifest."""
    core = [line for line in lines if line.section is Section.CORE_IDENTITY]
    core = _fit_core(core, titles, budget, count)
    chosen = list(core)
    dropped: list[DroppedItem] = []
    others = sorted(
        (line for line in lines if line.section is not Section.CORE_IDENTITY),
        key=lambda line: (-PRIORITY[line.section], -line.score, line.id),
    )
    used = count(render(chosen, titles))
    newline, blank_line = _joint(count, "\n"), _joint(count, "\n\n")
    opened = {line.section for line in chosen}
    for line in others:
        # A line costs its text and newline, plus its title if it opens the section.
        cost = count(line.text) + newline
        if line.section not in opened:
            cost += count(titles[line.section]) + blank_line
        if used + cost <= budget:
            chosen.append(line)
            opened.add(line.section)
            used += cost
        else:
            dropped.append(
                _dropped(line, f"over budget: needs {cost} tokens, {budget - used} left")
            )
    # Counts of parts need not add up to the count of the whole (BPE merges
    # across joins): the whole decides, dropping the least valuable first.
    while count(render(chosen, titles)) > budget and len(chosen) > len(core):
        weakest = chosen.pop()
        dropped.append(_dropped(weakest, "over budget once the prompt was assembled"))
    return _prompt(chosen, dropped, titles, budget, count, tokenizer)


def render(lines: Sequence[Line], titles: Mapping[Section, str]) -> str:
    blocks = []
    for section in Section:
        texts = [line.text for line in lines if line.section is section]
        if texts:
            blocks.append("\n".join([titles[section], *texts]))
    return "\n\n".join(blocks)


def _joint(count: Count, separator: str) -> int:
    """What joining two texts with ``separator`` costs this tokenizer: nothing for
    WordPiece, a token or so for BPE. The final recount settles any rest."""
    return max(0, count(f"x{separator}x") - 2 * count("x"))


def _fit_core(
    core: list[Line], titles: Mapping[Section, str], budget: int, count: Count
) -> list[Line]:
    """Core identity whole, or cut at a word with a marker when it alone is too long."""
    if not core or count(render(core, titles)) <= budget:
        return core
    text = "\n".join(line.text for line in core)
    words = text.split(" ")
    low, high = 0, len(words)
    while low < high:  # the most words that fit, by bisection
        middle = (low + high + 1) // 2
        candidate = replace(core[0], text=" ".join(words[:middle]) + TRUNCATION_MARKER)
        if count(render([candidate], titles)) <= budget:
            low = middle
        else:
            high = middle - 1
    cut = " ".join(words[:low]) + TRUNCATION_MARKER if low else ""
    return [replace(core[0], text=cut, reason="core identity, cut to fit")]


def _dropped(line: Line, reason: str) -> DroppedItem:
    return DroppedItem(id=line.id, kind=line.kind, reason=reason)


def _prompt(
    chosen: list[Line],
    dropped: list[DroppedItem],
    titles: Mapping[Section, str],
    budget: int,
    count: Count,
    tokenizer: str,
) -> Prompt:
    text = render([line for line in chosen if line.text], titles)
    sections = []
    for section in Section:
        mine = [line for line in chosen if line.section is section and line.text]
        if not mine:
            continue
        sections.append(
            PromptSection(
                name=section,
                title=titles[section],
                tokens=count(render(mine, titles)),
                items=[
                    PromptItem(id=line.id, kind=line.kind, score=line.score, reason=line.reason)
                    for line in mine
                ],
            )
        )
    return Prompt(
        prompt=text,
        total_tokens=count(text),
        token_budget=budget,
        tokenizer=tokenizer,
        sections=sections,
        dropped=dropped,
    )
