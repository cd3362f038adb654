"""Validity ranking: does a question about before find the fact that was
replaced, and a question about now the fact that replaced it?

    python bench/validity.py [--conversations N] [--embedder static]

Each LoCoMo dev conversation is one user. Its turns are stored as they are
(distractors), and for each of the attributes below the user's old value is
stored as a fact that ended on the change date and the new value as a fact
valid from it, each written the way the offline extractor writes facts. Every
attribute is asked about twice, in the words of ``NOW`` and ``BEFORE``, under
three settings: validity ranking off (superseded facts filtered out, as search
did before), off with ``include_expired``, and on (the default). Writes
bench/results/validity.{md,json}.

The facts and questions are ours, written together with the cue words in
retrieval/validity.py: treat the figures as what the mechanism does when the
question carries a cue, not as a measure on held-out wording.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from persona_memory import Memory, MemoryCreate, PersonaCreate, Settings  # noqa: E402
from persona_memory.bench.locomo import Conversation, load_locomo  # noqa: E402
from persona_memory.bench.retrieval import machine  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "locomo_dev.json"
PERSONA = "locomo"
CHANGED = datetime(2023, 6, 1, tzinfo=UTC)
TOP_K = 10


@dataclass(frozen=True)
class Attribute:
    fact: str  # "{name} ... {value}"
    values: tuple[str, ...]  # old and new values are consecutive entries
    now: str
    before: str


ATTRIBUTES = [
    Attribute(
        "{name} lives in {value}",
        ("Lisbon", "Oslo", "Denver", "Kyoto", "Perth", "Quito"),
        "Where does {name} live?",
        "Where did {name} live before?",
    ),
    Attribute(
        "{name} works as a {value}",
        ("nurse", "baker", "pilot", "teacher", "chef", "lawyer"),
        "What is {name}'s job?",
        "What was {name}'s previous job?",
    ),
    Attribute(
        "{name}'s employer is {value}",
        ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"),
        "Who employs {name}?",
        "Who was {name}'s former employer?",
    ),
    Attribute(
        "{name} drives a {value}",
        ("Volvo", "Toyota", "Fiat", "Tesla", "Honda", "Skoda"),
        "What car does {name} drive?",
        "What car did {name} use to drive?",
    ),
    Attribute(
        "{name}'s dog is called {value}",
        ("Rex", "Bella", "Max", "Luna", "Rocky", "Daisy"),
        "What is the name of {name}'s dog?",
        "What was {name}'s old dog called?",
    ),
    Attribute(
        "{name} is dating {value}",
        ("Sam", "Alex", "Robin", "Jamie", "Casey", "Morgan"),
        "Who is {name} dating?",
        "Who was {name} dating in the past?",
    ),
    Attribute(
        "{name} plays {value} in a band",
        ("drums", "bass", "violin", "piano", "flute", "cello"),
        "What does {name} play in the band?",
        "What did {name} play in the band originally?",
    ),
    Attribute(
        "{name} follows a {value} diet",
        ("vegan", "keto", "paleo", "vegetarian", "pescatarian", "low-carb"),
        "What diet does {name} follow?",
        "Which diet did {name} follow previously?",
    ),
    Attribute(
        "{name} trains at {value} gym",
        ("Iron Temple", "FitHub", "Pulse", "CoreZone", "Peak", "Forge"),
        "Which gym does {name} train at?",
        "Which gym did {name} go to before?",
    ),
    Attribute(
        "{name} studies {value}",
        ("chemistry", "law", "history", "design", "physics", "music"),
        "What does {name} study?",
        "What did {name} study at first?",
    ),
    Attribute(
        "{name}'s phone is a {value}",
        ("Pixel", "iPhone", "Galaxy", "Nokia", "Xperia", "Moto"),
        "What phone does {name} have?",
        "What phone did {name} have earlier?",
    ),
    Attribute(
        "{name}'s favourite team is {value}",
        ("Arsenal", "Benfica", "Ajax", "Porto", "Celtic", "Lyon"),
        "Which team does {name} support?",
        "Which team did {name} support formerly?",
    ),
]
SETTINGS = {
    "off": ({"rank_by_validity": False}, {}),
    "off, include_expired": ({"rank_by_validity": False}, {"include_expired": True}),
    "on (default)": ({}, {}),
    "on, include_expired": ({}, {"include_expired": True}),
}


@dataclass
class Outcome:
    """Shares of questions; ``leaks``: the replaced fact ranked above the current one."""

    now_top1: float
    now_leaks: float
    before_top1: float
    before_top5: float
    questions: int


def facts_of(conversation: Conversation, index: int) -> list[tuple[Attribute, str, str, str]]:
    name = conversation.turns[0].text.split(":", 1)[0]
    chosen = []
    for a, attribute in enumerate(ATTRIBUTES):
        values = attribute.values
        old, new = values[(index + a) % len(values)], values[(index + a + 1) % len(values)]
        chosen.append((attribute, name, old, new))
    return chosen


def store(memory: Memory, conversation: Conversation, index: int) -> None:
    user = conversation.sample_id
    items = [
        MemoryCreate(text=turn.text, persona_id=PERSONA, user_id=user, source="locomo")
        for turn in conversation.turns
    ]
    for attribute, name, old, new in facts_of(conversation, index):
        said = {"persona_id": PERSONA, "user_id": user, "category": "facts", "source": "bench"}
        items.append(
            MemoryCreate(text=attribute.fact.format(name=name, value=old), valid_to=CHANGED, **said)
        )
        items.append(
            MemoryCreate(
                text=attribute.fact.format(name=name, value=new), valid_from=CHANGED, **said
            )
        )
    memory.add_many(items)


def ask(memory: Memory, conversations: list[Conversation], filters: dict[str, bool]) -> Outcome:
    now_top1 = leaks = before_top1 = before_top5 = 0
    for index, conversation in enumerate(conversations):
        for attribute, name, old, new in facts_of(conversation, index):
            old_fact = attribute.fact.format(name=name, value=old)
            new_fact = attribute.fact.format(name=name, value=new)
            now = ranked(memory, conversation, attribute.now.format(name=name), filters)
            now_top1 += now[:1] == [new_fact]
            if old_fact in now:
                leaks += new_fact not in now or now.index(old_fact) < now.index(new_fact)
            before = ranked(memory, conversation, attribute.before.format(name=name), filters)
            before_top1 += before[:1] == [old_fact]
            before_top5 += old_fact in before[:5]
    asked = len(conversations) * len(ATTRIBUTES)
    return Outcome(now_top1 / asked, leaks / asked, before_top1 / asked, before_top5 / asked, asked)


def ranked(
    memory: Memory, conversation: Conversation, question: str, filters: dict[str, bool]
) -> list[str]:
    found = memory.search(
        question,
        persona_id=PERSONA,
        user_id=conversation.sample_id,
        limit=TOP_K,
        filters=filters,
        min_score=0,  # recall of the ranking: keep every candidate
    )
    return [hit.text for hit in found.results]


def run(data: Path, embedder: str, conversations: int | None) -> dict[str, object]:
    dataset = load_locomo(data, conversations)
    base = Settings(embedder=embedder)
    outcomes: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="bench-validity-") as folder:
        database = str(Path(folder) / "memory.db")
        with Memory(settings=base.model_copy(update={"database_url": database})) as memory:
            memory.personas.create(PersonaCreate(id=PERSONA, name="LoCoMo"))
            for index, conversation in enumerate(dataset):
                store(memory, conversation, index)
            model = memory.embedder.model_name
        for label, (changes, filters) in SETTINGS.items():
            settings = base.model_copy(update={"database_url": database, **changes})
            with Memory(settings=settings) as memory:
                outcomes[label] = ask(memory, dataset, filters)
    return {
        "conversations": len(dataset),
        "attributes": len(ATTRIBUTES),
        "embedding_model": model,
        "machine": machine(),
        "outcomes": {label: asdict(o) for label, o in outcomes.items()},
    }


def render(report: dict[str, object]) -> str:
    outcomes = report["outcomes"]
    assert isinstance(outcomes, dict)
    rows = [
        f"| {label} | {o['now_top1']:.3f} | {o['now_leaks']:.3f} | {o['before_top1']:.3f} "
        f"| {o['before_top5']:.3f} |"
        for label, o in outcomes.items()
    ]
    about = report["machine"]
    assert isinstance(about, dict)
    machine_line = ", ".join(f"{k}: {v}" for k, v in about.items())
    return "\n".join(
        [
            "# Validity ranking (synthetic changes among LoCoMo turns)",
            "",
            f"`python bench/validity.py`: {report['conversations']} users (LoCoMo dev "
            f"conversations, their turns stored as distractors), each with "
            f"{report['attributes']} attributes that changed once; every attribute asked "
            f"about now and before. Embedding model {report['embedding_model']}; top "
            f"{TOP_K} hybrid results.",
            "",
            "| setting | now: current fact first | now: replaced above current "
            "| before: replaced fact first | before: replaced in top 5 |",
            "|---|---|---|---|---|",
            *rows,
            "",
            'The questions carry a cue ("before", "previous", "use to", "originally"...) '
            "written with the cue list: what the mechanism does when a cue is there, not how "
            "often real questions carry one.",
            "",
            f"Machine: {machine_line}.",
        ]
    )


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="LoCoMo JSON file")
    parser.add_argument("--conversations", type=int, default=None, help="only the first N")
    parser.add_argument("--embedder", default=Settings.model_fields["embedder"].default)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    report = run(args.data, args.embedder, args.conversations)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "validity.json").write_text(json.dumps(report, indent=2) + "\n")
    text = render(report)
    (args.out / "validity.md").write_text(text + "\n")
    print(text)
    return report


if __name__ == "__main__":
    main()
