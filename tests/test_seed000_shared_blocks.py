"""Seed 000's six test cases, each through the SDK and through HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from persona_memory import Memory
from persona_memory.core.user_personas import SHARED_BLOCK_DESCRIPTION
from tests.api_clients import HttpApi, SdkApi

Api = SdkApi | HttpApi

EXACT_VALUE = (
    "We have not yet gained any experience commensurate of the specific servicing of queries "
    "or analytical flows for {h} users"
)
EXACT_DESCRIPTION = (
    "Gained experience and/or lessons learned from servicing or responding to queries typical "
    "or quintessential of users associated with the {h} persona. This memory block will be "
    "shared, and it is therefore VITAL that you not add any PII or sensitive or proprietary "
    "information about any specific user in here, e.g. POIs they're interested in, or "
    "particular and specific insights they found useful, but rather information that will "
    "help a future agent servicing a similar ask in a different instance for a different user"
)


def ok(reply: tuple[int, Any], status: int = 200) -> Any:
    code, body = reply
    assert code == status, body
    return body


def shared(api: Api, persona_id: str, user_id: str) -> list[dict[str, Any]]:
    """The shared blocks of the agent (persona, user), opening it if it is new."""
    ok(api.open_relationship(persona_id, user_id))
    blocks = ok(api.blocks(persona_id, user_id))["blocks"]
    return [b for b in blocks if b["owner"] == "user_persona"]


@pytest.fixture
def pi(api: Api) -> Api:
    ok(api.create_persona("pi", core_system_prompt="You are Pi."), 201)
    ok(api.create_persona("sage"), 201)
    return api


def test_1_creating_a_user_persona_creates_its_block(pi: Api) -> None:
    ok(pi.create_user_persona("grocery_category_manager", "Grocery", "Category Manager"), 201)
    detail = ok(pi.user_persona("grocery_category_manager"))
    block = detail["shared_block"]
    handle = "grocery_category_manager"
    assert block["label"] == "grocery_category_manager_service_experience"
    assert block["value"] == EXACT_VALUE.format(h=handle)
    assert block["description"] == EXACT_DESCRIPTION.format(h=handle)
    assert SHARED_BLOCK_DESCRIPTION.format(persona_handle=handle) == block["description"]
    assert block["limit"] == 8000 and block["read_only"] is False
    # The migration seeded the two personas of the seed, with their blocks.
    seeded = ok(pi.user_persona("qsr_real_estate"))
    assert (seeded["industry"], seeded["professional_role"]) == (
        "QSR / Fast Casual",
        "Director of Real Estate",
    )
    assert seeded["shared_block"]["value"] == EXACT_VALUE.format(h="qsr_real_estate")
    tobacco = ok(pi.user_persona("tobacco_consumer_insights"))
    assert tobacco["professional_role"] == "Director of Consumer Insights & Activation"
    assert tobacco["industry"] == "Tobacco / CPG"


def test_2_associating_a_user_attaches_the_block_to_their_agent(pi: Api) -> None:
    ok(pi.open_relationship("pi", "sarah"))  # the agent exists before the association
    ok(pi.join("sarah", "qsr_real_estate", 0.9))
    assert [b["label"] for b in shared(pi, "pi", "sarah")] == ["qsr_real_estate_service_experience"]
    # An agent created later gets it too; Daniel's agent does not.
    assert [b["label"] for b in shared(pi, "sage", "sarah")] == [
        "qsr_real_estate_service_experience"
    ]
    assert shared(pi, "pi", "daniel") == []


def test_3_users_of_one_persona_share_the_same_block(pi: Api) -> None:
    for user in ("sarah", "sam", "sue"):
        ok(pi.join(user, "qsr_real_estate"))
    ids = {shared(pi, "pi", user)[0]["id"] for user in ("sarah", "sam", "sue")}
    assert len(ids) == 1
    members = ok(pi.user_persona("qsr_real_estate"))["members"]
    assert {m["user_id"] for m in members} == {"sarah", "sam", "sue"}


def test_4_an_update_through_one_agent_is_seen_by_all(pi: Api) -> None:
    for user in ("sarah", "sam"):
        ok(pi.join(user, "qsr_real_estate"))
    label = "qsr_real_estate_service_experience"
    ok(pi.append("pi", "sarah", label, "Trade-area questions want a 10-minute drive time."))
    for user in ("sarah", "sam"):
        value = shared(pi, "pi", user)[0]["value"]
        assert value.endswith("\nTrade-area questions want a 10-minute drive time.")
    ok(pi.replace("sage", "sam", label, "10-minute", "15-minute"))
    assert "15-minute drive" in shared(pi, "pi", "sarah")[0]["value"]


def test_5_the_tool_creates_a_new_persona_and_refuses_a_malformed_handle(
    pi: Api, memory: Memory
) -> None:
    before = ok(pi.user_personas())["user_personas"]
    result = ok(
        pi.tool(
            "update_user_persona_profile_in_db",
            {"user_id": "nina", "persona_handle": "hr_talent_acquisition", "confidence_score": 0.8},
            persona_id="pi",
            user_id="nina",
        )
    )["result"]
    assert result["status"] == "success" and result["persona_created"] is True
    detail = ok(pi.user_persona("hr_talent_acquisition"))
    assert (detail["industry"], detail["professional_role"]) == ("HR", "Talent Acquisition")
    assert detail["description"]
    assert [(m["user_id"], m["confidence_score"]) for m in detail["members"]] == [("nina", 0.8)]
    assert shared(pi, "pi", "nina")[0]["label"] == "hr_talent_acquisition_service_experience"

    for bad in ("HR-Talent", "talent", "hr__talent", "hr_talent_", "Hr_talent"):
        refused = ok(
            pi.tool(
                "update_user_persona_profile_in_db",
                {"user_id": "omar", "persona_handle": bad},
                persona_id="pi",
                user_id="omar",
            )
        )["result"]
        assert refused["status"] == "error" and "<industry>_<professional_role>" in refused["error"]
    after = ok(pi.user_personas())["user_personas"]
    assert len(after) == len(before) + 1
    assert pi.user("omar")[0] == 404  # refused before writing anything


def test_6_repeating_any_operation_changes_nothing(pi: Api, memory: Memory) -> None:
    def snapshot() -> tuple[Any, ...]:
        personas = ok(pi.user_personas())["user_personas"]
        detail = ok(pi.user_persona("qsr_real_estate"))
        members = [(m["user_id"], m["confidence_score"]) for m in detail["members"]]
        return (
            [p["handle"] for p in personas],
            members,
            detail["shared_block"],
            [b["id"] for b in ok(pi.blocks("pi", "sarah"))["blocks"]],
            memory.blocks.relationships(detail["shared_block"]["id"]),
        )

    ok(pi.create_user_persona("qsr_real_estate", "Other", "Other"), 200)  # exists: unchanged
    ok(pi.join("sarah", "qsr_real_estate"))
    block_id = shared(pi, "pi", "sarah")[0]["id"]
    first = snapshot()
    assert ok(pi.user_persona("qsr_real_estate"))["industry"] == "QSR / Fast Casual"
    ok(pi.create_user_persona("qsr_real_estate", "Other", "Other"), 200)
    ok(pi.join("sarah", "qsr_real_estate"))
    ok(pi.attach(block_id, "pi", "sarah"))
    call = {"user_id": "sarah", "persona_handle": "qsr_real_estate"}
    result = ok(
        pi.tool("update_user_persona_profile_in_db", call, persona_id="pi", user_id="sarah")
    )
    assert result["result"]["persona_created"] is False
    assert snapshot() == first


def test_leaving_and_detaching(pi: Api) -> None:
    ok(pi.join("sarah", "qsr_real_estate"))
    block_id = shared(pi, "pi", "sarah")[0]["id"]
    assert shared(pi, "sage", "sarah")[0]["id"] == block_id
    ok(pi.detach(block_id, "sage", "sarah"), 204)
    assert shared(pi, "sage", "sarah") == []
    assert shared(pi, "pi", "sarah")[0]["id"] == block_id
    ok(pi.leave("sarah", "qsr_real_estate"), 204)
    assert shared(pi, "pi", "sarah") == []
    assert ok(pi.user_persona("qsr_real_estate"))["members"] == []
    assert pi.leave("sarah", "qsr_real_estate")[0] == 404
    assert pi.detach(block_id, "pi", "sarah")[0] == 404


def test_persona_setting_turns_off_user_persona_blocks(pi: Api) -> None:
    ok(pi.create_persona("bjorn", attach_user_persona_blocks=False), 201)
    ok(pi.join("sarah", "qsr_real_estate"))
    assert shared(pi, "bjorn", "sarah") == []
    assert len(shared(pi, "pi", "sarah")) == 1


def test_membership_errors(pi: Api) -> None:
    assert pi.join("sarah", "no_such_persona")[0] == 404
    assert pi.join("sarah", "Bad Handle")[0] == 422
    code, body = pi.join("sarah", "qsr_real_estate", 1.5)
    assert code == 422 and "confidence_score" in str(body["error"]["field"])
    assert ok(pi.user_persona("qsr_real_estate"))["members"] == []
