"""The continuation coordinator (seed 003): reflex then burst, never two questions
in one reply, shares only of the persona's own referenceable memories, seeded
and reproducible, its state surviving a restart. Real stores, a real server."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, get_args

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.caller import Caller
from persona_memory.core.continuation import (
    DEFAULT_TEMPLATES,
    TEMPLATES_KEY,
    ContinuationDecision,
    ContinuationRequest,
    ContinuationSettings,
    ConversationState,
    Dice,
    Stage,
    Turn,
    decide,
    templates,
)
from persona_memory.core.errors import Forbidden, InvalidInput
from persona_memory.core.memories import MemoryRecord
from persona_memory.core.persona_files import FILE_ID
from persona_memory.core.personas import PersonaNotFound, PersonaUpdate
from persona_memory.core.scope import ScopeKind
from persona_memory.tools import ToolContext

PIZZA = "I tried pineapple pizza for the first time"
LATTE = "I spent a summer working at a coffee shop and learned to make latte art"
PINEAPPLE = "I think pineapple on pizza is actually amazing and people are too judgy about it"
STAGES: tuple[Stage, ...] = get_args(Stage)
_conversations = itertools.count()


def add_sage(memory: Memory, continuation: ContinuationSettings | None = None) -> None:
    """Seed 003's Sage with sage_mem_001 and sage_mem_002."""
    memory.personas.create(
        PersonaCreate(id="sage", name="Sage", continuation=continuation or ContinuationSettings())
    )
    memory.add(
        LATTE,
        persona_id="sage",
        category="experience",
        importance=6,
        metadata={FILE_ID: "sage_mem_001"},
        can_reference=True,
    )
    memory.add(
        PINEAPPLE,
        persona_id="sage",
        category="opinion",
        importance=4,
        metadata={FILE_ID: "sage_mem_002"},
        can_reference=True,
    )


def ask(
    memory: Memory, stage: Stage, conversation: str, seed: int, message: str = PIZZA
) -> ContinuationDecision:
    request = ContinuationRequest(
        conversation_id=conversation, user_message=message, stage=stage, seed=seed
    )
    return memory.continuation.decide("sage", request)


def reply(memory: Memory, seed: int, message: str = PIZZA) -> tuple[ContinuationDecision, ...]:
    """One reply (reflex, then burst) in a conversation of its own."""
    conversation = f"pizza-{seed}"
    return (
        ask(memory, "reflex", conversation, seed, message),
        ask(memory, "burst", conversation, seed, message),
    )


# --- the seed's example flow -------------------------------------------------------------


def test_reflex_question_means_the_burst_adds_nothing(memory: Memory) -> None:
    add_sage(memory)
    for seed in range(500):
        reflex, burst = reply(memory, seed)
        if reflex.text == "ooh how was it?":
            break
    else:
        pytest.fail("no seed under 500 drew the seed's 'ooh how was it?'")
    assert reflex.action == "question" and reflex.reply == burst.reply == 1
    assert burst.action == "none" and burst.text is None and burst.memory is None
    assert "reflex already asked" in burst.reason


def test_no_reflex_question_means_the_burst_shares_the_pizza_opinion(memory: Memory) -> None:
    add_sage(memory)
    for seed in range(200):
        reflex, burst = reply(memory, seed)
        if reflex.action == "none" and burst.action != "none":
            break
    else:
        pytest.fail("no seed under 200 had a continuation without a reflex question")
    # A relevant memory exists, so the continuation is a share (not a question), of it.
    assert burst.action == "share", burst
    assert burst.memory is not None and burst.memory.metadata[FILE_ID] == "sage_mem_002"
    assert burst.text == PINEAPPLE


def test_every_reply_of_the_flow_follows_the_seed(memory: Memory) -> None:
    """Over many seeds: a reflex question is one of the templates and silences the
    burst; without one the burst shares sage_mem_002 or adds nothing, never asks."""
    add_sage(memory)
    seen = set()
    for seed in range(40):
        reflex, burst = reply(memory, seed)
        seen.add((reflex.action, burst.action))
        if reflex.action == "question":
            assert reflex.text in DEFAULT_TEMPLATES
            assert burst.action == "none"
        else:
            assert burst.action in ("none", "share")
            assert burst.memory is None or burst.memory.metadata[FILE_ID] == "sage_mem_002"
    assert {("question", "none"), ("none", "share"), ("none", "none")} <= seen


def test_coffee_message_shares_the_coffee_memory(memory: Memory) -> None:
    add_sage(memory, ContinuationSettings(probability=1.0, reflex_question_probability=0.0))
    reflex, burst = reply(memory, 1, message="what coffee shop do you like?")
    assert reflex.action == "none"
    assert burst.action == "share" and burst.memory is not None
    assert burst.memory.metadata[FILE_ID] == "sage_mem_001"


def test_no_matching_memory_gives_a_question(memory: Memory) -> None:
    add_sage(memory, ContinuationSettings(probability=1.0, reflex_question_probability=0.0))
    _, burst = reply(memory, 3, message="my cat knocked over a plant")
    assert burst.action == "question" and burst.text in DEFAULT_TEMPLATES


def test_a_conversation_does_not_share_the_same_memory_twice(memory: Memory) -> None:
    add_sage(memory, ContinuationSettings(probability=1.0, reflex_question_probability=0.0))
    first = ask(memory, "burst", "again", 5)
    second = ask(memory, "burst", "again", 5)
    assert first.action == "share" and (first.reply, second.reply) == (1, 2)
    assert second.action == "question"  # the only match was shared already


# --- never two questions -------------------------------------------------------------------


def _record(index: int, can_reference: bool) -> MemoryRecord:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return MemoryRecord(
        id=f"m{index}",
        text=f"memory {index}",
        scope=ScopeKind.PERSONA,
        persona_id="sage",
        user_id=None,
        category=None,
        tags=[],
        importance=5,
        metadata={},
        source="test",
        created_at=now,
        updated_at=now,
        can_reference=can_reference,
    )


continuation_settings = st.builds(
    ContinuationSettings,
    enabled=st.booleans(),
    probability=st.floats(0, 1),
    reflex_question_probability=st.floats(0, 1),
    types=st.sampled_from([["question"], ["share"], ["question", "share"], ["share", "question"]]),
    share_from_memories=st.booleans(),
)
# What a request may carry: no NUL, no lone surrogate (core/base.py refuses them).
storable_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"),
    min_size=1,
    max_size=200,
)
candidates = st.lists(st.booleans(), max_size=4).map(
    lambda flags: [_record(i, flag) for i, flag in enumerate(flags)]
)


def check_replies(decisions: list[ContinuationDecision]) -> None:
    """At most one question a reply; a reply is a reflex, a burst, or both in order."""
    replies: dict[int, list[ContinuationDecision]] = defaultdict(list)
    for decision in decisions:
        replies[decision.reply].append(decision)
    assert sorted(replies) == list(range(1, len(replies) + 1))
    for number, parts in replies.items():
        questions = [d for d in parts if d.action == "question"]
        assert len(questions) <= 1, (number, parts)
        assert [d.stage for d in parts] in (["reflex"], ["burst"], ["reflex", "burst"])


@given(
    continuation_settings,
    candidates,
    st.lists(st.sampled_from(STAGES), min_size=1, max_size=40),
    st.integers(0, 2**63 - 1),
    storable_text,
)
def test_no_reply_ever_has_two_questions(
    chosen: ContinuationSettings,
    memories: list[MemoryRecord],
    stages: list[Stage],
    seed: int,
    conversation: str,
) -> None:
    turn = Turn(chosen, DEFAULT_TEMPLATES, memories)
    dice = Dice(seed, "sage", conversation)
    state = ConversationState()
    decisions = []
    for stage in stages:
        decision, state = decide(turn, state, stage, dice)
        # Through the stored form, as the service keeps it between calls.
        state = ConversationState.model_validate(json.loads(json.dumps(state.model_dump())))
        decisions.append(decision)
        assert decision.memory is None or decision.memory.can_reference
        if not chosen.enabled:
            assert decision.action == "none"
    check_replies(decisions)


@settings(
    max_examples=15,
    deadline=None,
    # One database for every example: each example is a new conversation in it.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    continuation_settings,
    st.lists(
        st.tuples(
            st.sampled_from(STAGES),
            st.sampled_from([PIZZA, "coffee?", "latte art!", "hmm"]) | storable_text,
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 10_000),
)
def test_no_reply_ever_has_two_questions_through_the_service(
    memory: Memory,
    chosen: ContinuationSettings,
    calls: list[tuple[Stage, str]],
    seed: int,
) -> None:
    if memory.personas.all() == []:
        add_sage(memory)
    memory.personas.update("sage", PersonaUpdate(continuation=chosen))
    conversation = f"prop-{next(_conversations)}"
    check_replies([ask(memory, stage, conversation, seed, text) for stage, text in calls])


# --- rates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("probability", "reflex_probability"), [(0.5, 0.25), (0.8, 0.1)])
def test_observed_rates_match_the_settings(probability: float, reflex_probability: float) -> None:
    chosen = ContinuationSettings(
        probability=probability, reflex_question_probability=reflex_probability
    )
    turn = Turn(chosen, DEFAULT_TEMPLATES, [_record(0, True)])
    runs = 10_000
    reflex_questions = continued = 0
    for seed in range(runs):
        dice = Dice(seed, "sage", "rates")
        reflex, state = decide(turn, ConversationState(), "reflex", dice)
        burst, _ = decide(turn, state, "burst", dice)
        if reflex.action == "question":
            reflex_questions += 1
            assert burst.action == "none"
        elif burst.action != "none":
            continued += 1
    assert abs(reflex_questions / runs - reflex_probability) < 0.02
    assert abs(continued / (runs - reflex_questions) - probability) < 0.02


def test_disabled_never_continues() -> None:
    turn = Turn(ContinuationSettings(enabled=False, probability=1, reflex_question_probability=1))
    state = ConversationState()
    for seed in range(200):
        for stage in STAGES:
            decision, state = decide(turn, state, stage, Dice(seed, "sage", "off"))
            assert decision.action == "none"


def test_the_same_seed_replays_the_same_decisions_in_another_process() -> None:
    """Draws come from SHA-256, not Python's salted hash(): a process with another
    hash seed (a restarted server) decides alike."""
    script = (
        "from persona_memory.core.continuation import *\n"
        "turn = Turn(ContinuationSettings(), candidates=())\n"
        "state, out = ConversationState(), []\n"
        "for i in range(60):\n"
        "    d, state = decide(turn, state, ('reflex', 'burst')[i % 2], Dice(7, 'sage', 'c'))\n"
        "    out.append((d.reply, d.action, d.text))\n"
        "print(out)\n"
    )
    here: dict[str, Any] = {}
    exec(compile(script.replace("print(out)", "result = out"), "<replay>", "exec"), here)
    there = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert there.strip() == repr(here["result"]) and "question" in there


# --- what may be shared -------------------------------------------------------------------


def test_an_unreferenceable_memory_is_never_shared(memory: Memory) -> None:
    memory.personas.create(
        PersonaCreate(
            id="sage",
            name="Sage",
            continuation=ContinuationSettings(probability=1.0, reflex_question_probability=0.0),
        )
    )
    secret = memory.add(PINEAPPLE, persona_id="sage", can_reference=False)
    for seed in range(30):
        _, burst = reply(memory, seed)
        assert burst.action == "question", burst  # it continues, but not with a share
        assert burst.memory is None and secret.text != burst.text


def test_an_unreferenceable_candidate_is_never_shared() -> None:
    chosen = ContinuationSettings(probability=1.0, types=["share"])
    turn = Turn(chosen, DEFAULT_TEMPLATES, [_record(0, False)])
    for seed in range(50):
        decision, _ = decide(turn, ConversationState(), "burst", Dice(seed, "sage", "c"))
        assert decision.action == "none"


def test_another_personas_or_a_users_memory_is_never_shared(memory: Memory) -> None:
    add_sage(memory, ContinuationSettings(probability=1.0, reflex_question_probability=0.0))
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    memory.add("pineapple pizza is brad's favourite", persona_id="brad")
    memory.add("alice had pineapple pizza", persona_id="sage", user_id="alice")
    memory.add("pineapple pizza is the world's most ordered pizza")  # global
    for seed in range(10):
        _, burst = reply(memory, seed)
        assert burst.memory is not None and burst.memory.metadata[FILE_ID] == "sage_mem_002"


def test_persona_templates_override_the_defaults(memory: Memory) -> None:
    ours = ["wait, and then??", "tell me more"]
    memory.personas.create(
        PersonaCreate(
            id="sage",
            name="Sage",
            metadata={TEMPLATES_KEY: ours},
            continuation=ContinuationSettings(reflex_question_probability=1.0),
        )
    )
    reflex, _ = reply(memory, 0)
    assert reflex.action == "question" and reflex.text in ours


@pytest.mark.parametrize("given", [None, [], "what?", ["ok", 3], ["  "], {"a": "b"}])
def test_malformed_templates_fall_back_to_the_seeds(given: Any) -> None:
    assert templates({TEMPLATES_KEY: given}) == DEFAULT_TEMPLATES


# --- state ------------------------------------------------------------------------------------


def test_the_reflex_question_survives_a_restart(settings: Settings) -> None:
    """The burst would always continue here (probability 1), unless the reflex of
    its reply asked, which it must still know after a restart."""
    always = ContinuationSettings(probability=1.0, reflex_question_probability=0.5)
    with Memory(settings=settings) as memory:
        add_sage(memory, always)
        for seed in range(100):
            reflex = ask(memory, "reflex", f"restart-{seed}", seed)
            if reflex.action == "question":
                break
        else:
            pytest.fail("no reflex question in 100 seeds")
    with Memory(settings=settings) as reopened:
        burst = ask(reopened, "burst", f"restart-{seed}", seed)
        assert (burst.reply, burst.action) == (1, "none")
        # And the next reply starts afresh.
        assert ask(reopened, "burst", f"restart-{seed}", seed).reply == 2


def test_the_state_keeps_no_message_text(memory: Memory) -> None:
    add_sage(memory)
    message = "my secret is zebra-allergy-42"
    ask(memory, "reflex", "private", 1, message)
    ask(memory, "burst", "private", 1, message)
    with memory.store.read() as tx:
        state = tx.get_continuation_state("sage", "private")
    assert state is not None and "zebra" not in json.dumps(state)
    assert ConversationState.model_validate(state).reply == 1


def test_unknown_persona_and_bad_ids(memory: Memory) -> None:
    request = ContinuationRequest(conversation_id="c", user_message=PIZZA, stage="burst")
    with pytest.raises(PersonaNotFound):
        memory.continuation.decide("nobody", request)
    with pytest.raises(InvalidInput):
        memory.continuation.decide("Not A Slug", request)


def test_an_agent_decides_only_as_its_own_persona(memory: Memory) -> None:
    add_sage(memory)
    request = ContinuationRequest(conversation_id="c", user_message=PIZZA, stage="reflex")
    with pytest.raises(Forbidden):
        memory.continuation.decide("sage", request, caller=Caller.agent("brad", "alice"))
    with pytest.raises(Forbidden):
        memory.continuation.decide("sage", request, caller=Caller.user("alice"))
    memory.continuation.decide("sage", request, caller=Caller.agent("sage", "alice"))


# --- the tool ------------------------------------------------------------------------------


def test_the_tool_continues_the_callers_conversation(memory: Memory) -> None:
    add_sage(memory, ContinuationSettings(probability=1.0, reflex_question_probability=1.0))
    context = ToolContext(persona_id="sage", user_id="alice", session_id="s1")
    arguments = {"user_message": PIZZA}
    reflex = memory.invoke_tool("continue_conversation", {**arguments, "stage": "reflex"}, context)
    burst = memory.invoke_tool("continue_conversation", {**arguments, "stage": "burst"}, context)
    assert reflex["status"] == burst["status"] == "success"
    assert (reflex["action"], burst["action"]) == ("question", "none")
    assert reflex["reply"] == burst["reply"] == 1
    with memory.store.read() as tx:
        assert tx.get_continuation_state("sage", "session:s1") is not None
    with pytest.raises(InvalidInput):  # the persona comes from the context
        memory.invoke_tool("continue_conversation", {**arguments, "stage": "burst"}, None)


# --- HTTP -----------------------------------------------------------------------------------


@pytest.fixture
def sage_http(memory: Memory, http: httpx.Client) -> Iterator[httpx.Client]:
    add_sage(memory, ContinuationSettings(probability=1.0, reflex_question_probability=0.0))
    yield http


def test_http_route_end_to_end(sage_http: httpx.Client) -> None:
    body = {"conversation_id": "web-1", "user_message": PIZZA, "stage": "reflex", "seed": 3}
    reflex = sage_http.post("/v1/personas/sage/continuation", json=body)
    burst = sage_http.post("/v1/personas/sage/continuation", json={**body, "stage": "burst"})
    assert reflex.status_code == burst.status_code == 200, burst.text
    assert reflex.json()["action"] == "none"
    decision = burst.json()
    assert decision["conversation_id"] == "web-1" and decision["stage"] == "burst"
    assert decision["reply"] == 1 and decision["action"] == "share"
    assert decision["text"] == PINEAPPLE
    assert decision["memory"]["metadata"][FILE_ID] == "sage_mem_002"
    assert isinstance(decision["reason"], str)


def test_http_unknown_persona_is_404(sage_http: httpx.Client) -> None:
    body = {"conversation_id": "web-1", "user_message": PIZZA, "stage": "burst"}
    response = sage_http.post("/v1/personas/nobody/continuation", json=body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "persona_not_found"


@pytest.mark.parametrize(
    "change",
    [
        {"stage": "lunch"},
        {"user_message": ""},
        {"user_message": "x" * 2001},
        {"conversation_id": ""},
        {"conversation_id": "c" * 201},
        {"seed": -1},
        {"seed": "7"},
        {"seed": True},
        {"extra": 1},
    ],
)
def test_http_bad_input_is_422(sage_http: httpx.Client, change: dict[str, Any]) -> None:
    body = {"conversation_id": "web-1", "user_message": PIZZA, "stage": "burst", **change}
    response = sage_http.post("/v1/personas/sage/continuation", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    missing = sage_http.post("/v1/personas/sage/continuation", json={"stage": "burst"})
    assert missing.status_code == 422
