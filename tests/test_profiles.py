"""Structured profile memory (seed 002): deep merge, schemas, history, versions,
the prompt section, and the update_memory tool."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_memory import (
    InvalidInput,
    Memory,
    PersonaCreate,
    PersonaUpdate,
    RelationshipNotFound,
    RelationshipUpdate,
    UserNotFound,
)
from persona_memory.core.profiles import PreconditionFailed, ProfileCategory, deep_merge
from persona_memory.tools import ToolContext

# --- deep merge ---------------------------------------------------------------


def test_adding_a_strength_keeps_personal_info() -> None:
    profile = {"personal_info": {"name": "Anna"}}
    merged = deep_merge(profile, {"knowledge_strengths": {"verbs": "regular present"}})
    assert merged == {
        "personal_info": {"name": "Anna"},
        "knowledge_strengths": {"verbs": "regular present"},
    }
    assert profile == {"personal_info": {"name": "Anna"}}  # inputs are not changed


def test_nested_objects_merge_key_by_key() -> None:
    base = {"goals": {"exam": {"level": "B1", "date": "June"}, "reading": "daily"}}
    patch = {"goals": {"exam": {"date": "May"}}}
    assert deep_merge(base, patch) == {
        "goals": {"exam": {"level": "B1", "date": "May"}, "reading": "daily"}
    }


def test_lists_and_scalars_are_replaced() -> None:
    base = {"mistakes": ["en/ett", "word order"], "level": 2, "obj": {"a": 1}}
    merged = deep_merge(base, {"mistakes": ["V2 rule"], "level": "B1", "obj": [1]})
    assert merged == {"mistakes": ["V2 rule"], "level": "B1", "obj": [1]}


def test_null_deletes_a_key_at_any_depth() -> None:
    base = {"a": 1, "b": {"c": 2, "d": 3}}
    assert deep_merge(base, {"a": None, "b": {"c": None}, "missing": None}) == {"b": {"d": 3}}


def test_merge_into_empty() -> None:
    assert deep_merge({}, {"a": {"b": [1, {"c": None}], "d": None}}) == {
        "a": {"b": [1, {"c": None}]}
    }


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3))
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcd"), inner, max_size=3)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.sampled_from("abcde"), json_values, max_size=4)


def satisfies_rule(base: dict[str, Any], patch: dict[str, Any], merged: dict[str, Any]) -> None:
    """The rule as written in docs/api.md, checked key by key."""
    for key in base.keys() - patch.keys():
        assert merged[key] == base[key]
    for key, value in patch.items():
        if value is None:
            assert key not in merged
        elif isinstance(value, dict):
            old = base.get(key)
            satisfies_rule(old if isinstance(old, dict) else {}, value, merged[key])
        else:
            assert merged[key] == value
    assert merged.keys() <= base.keys() | patch.keys()


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(json_objects, json_objects, json_objects)
def test_merge_of_merges_follows_the_rule(
    a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]
) -> None:
    ab = deep_merge(a, b)
    satisfies_rule(a, b, ab)
    abc = deep_merge(ab, c)
    satisfies_rule(ab, c, abc)
    assert deep_merge(abc, {}) == abc


# --- the service ----------------------------------------------------------------


@pytest.fixture
def bjorn(memory: Memory) -> Memory:
    memory.personas.create(PersonaCreate(id="bjorn", name="Björn", profile_title="STUDENT MEMORY"))
    memory.personas.create(PersonaCreate(id="brad", name="Brad"))
    return memory


def test_profiles_are_per_relationship(bjorn: Memory) -> None:
    bjorn.profiles.update("bjorn", "anna", "personal_info", {"name": "Anna"})
    assert bjorn.profiles.get("bjorn", "anna").categories["personal_info"] == {"name": "Anna"}
    # Other relationships are not there at all: a read never creates them.
    with pytest.raises(RelationshipNotFound):
        bjorn.profiles.get("brad", "anna")
    with pytest.raises(UserNotFound):
        bjorn.profiles.get("bjorn", "bob")
    bjorn.relationships.put("brad", "anna", RelationshipUpdate())
    assert bjorn.profiles.get("brad", "anna").categories["personal_info"] == {}


def test_concurrent_merges_into_a_new_relationship_lose_nothing(bjorn: Memory) -> None:
    # The first writers race to open the relationship; every one must then merge
    # into what the one before it left (the lock is taken before the profile is read).
    def merge(n: int) -> int:
        return bjorn.profiles.update("bjorn", "zoe", "personal_info", {f"k{n}": n}).version

    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = list(pool.map(merge, range(24)))
    assert sorted(versions) == list(range(1, 25))
    profile = bjorn.profiles.get("bjorn", "zoe")
    assert profile.categories["personal_info"] == {f"k{n}": n for n in range(24)}
    assert profile.version == 24
    assert len(bjorn.profiles.history("bjorn", "zoe")) == 24


def test_operations_history_and_versions(bjorn: Memory) -> None:
    p = bjorn.profiles
    first = p.update("bjorn", "anna", "personal_info", {"name": "Anna", "goal": "B1"})
    assert first.version == 1
    p.update("bjorn", "anna", "personal_info", {"goal": None, "city": "Malmö"})
    assert p.get("bjorn", "anna").categories["personal_info"] == {"name": "Anna", "city": "Malmö"}
    p.update("bjorn", "anna", "personal_info", {"name": "Ann"}, operation="replace")
    p.put("bjorn", "anna", {"areas_to_improve": {"grammar": ["V2"]}})
    p.clear("bjorn", "anna", "personal_info")
    profile = p.get("bjorn", "anna")
    assert profile.categories == {
        "personal_info": {},
        "areas_to_improve": {"grammar": ["V2"]},
        "knowledge_strengths": {},
    }
    assert profile.version == 5
    events = [(h.category, h.event) for h in p.history("bjorn", "anna")]
    assert events == [
        ("personal_info", "MERGE"),
        ("personal_info", "MERGE"),
        ("personal_info", "REPLACE"),
        ("areas_to_improve", "PUT"),
        ("personal_info", "CLEAR"),
    ]
    p.clear("bjorn", "anna")
    assert p.get("bjorn", "anna").categories["areas_to_improve"] == {}
    unchanged = p.clear("bjorn", "anna")
    assert unchanged.version == 6  # clearing nothing is not a change


def test_stale_version_is_refused(bjorn: Memory) -> None:
    v1 = bjorn.profiles.update("bjorn", "anna", "personal_info", {"name": "Anna"}).version
    bjorn.profiles.update("bjorn", "anna", "personal_info", {"age": 30}, expected_version=v1)
    with pytest.raises(PreconditionFailed) as raised:
        bjorn.profiles.update("bjorn", "anna", "personal_info", {"age": 31}, expected_version=v1)
    assert raised.value.status_code == 412
    assert bjorn.profiles.get("bjorn", "anna").categories["personal_info"]["age"] == 30


@pytest.mark.parametrize(
    ("category", "data", "field"),
    [
        ("hobbies", {"x": 1}, "category"),
        ("personal_info", ["not", "an", "object"], "personal_info"),
        ("personal_info", "text", "personal_info"),
    ],
)
def test_bad_writes_name_the_problem_and_change_nothing(
    bjorn: Memory, category: str, data: object, field: str
) -> None:
    bjorn.profiles.update("bjorn", "anna", "personal_info", {"name": "Anna"})
    with pytest.raises(InvalidInput) as raised:
        bjorn.profiles.update("bjorn", "anna", category, data)
    assert raised.value.field == field and category in raised.value.message
    with pytest.raises(InvalidInput):
        bjorn.profiles.put("bjorn", "anna", {"personal_info": {"ok": 1}, category: data})
    profile = bjorn.profiles.get("bjorn", "anna")
    assert profile.categories["personal_info"] == {"name": "Anna"} and profile.version == 1


def test_category_schemas(bjorn: Memory) -> None:
    schema = {
        "type": "object",
        "properties": {"level": {"enum": ["A1", "A2", "B1", "B2"]}},
        "additionalProperties": False,
    }
    bjorn.personas.update(
        "bjorn",
        PersonaUpdate(profile_schema={"progress": ProfileCategory(json_schema=schema)}),
    )
    bjorn.profiles.update("bjorn", "anna", "progress", {"level": "A2"})
    with pytest.raises(InvalidInput) as raised:
        bjorn.profiles.update("bjorn", "anna", "progress", {"level": "C9"})
    assert "progress" in raised.value.message and "level" in raised.value.message
    with pytest.raises(InvalidInput):  # the merged result is checked, not only the patch
        bjorn.profiles.update("bjorn", "anna", "progress", {"extra": 1})
    assert bjorn.profiles.get("bjorn", "anna").categories == {"progress": {"level": "A2"}}
    with pytest.raises(ValueError):
        ProfileCategory(json_schema={"type": "no-such-type"})


# --- the seed's success metrics --------------------------------------------------


def test_the_name_in_personal_info_appears_in_the_prompt_section(bjorn: Memory) -> None:
    assert bjorn.profiles.prompt_section("bjorn", "anna") == ""
    bjorn.profiles.update("bjorn", "anna", "personal_info", {"name": "Anna", "goal": "B1"})
    section = bjorn.profiles.prompt_section("bjorn", "anna")
    assert section == 'STUDENT MEMORY\npersonal_info: {"goal": "B1", "name": "Anna"}'
    assert "Anna" in section
    assert bjorn.profiles.prompt_section("brad", "anna") == ""


def test_the_tool_updates_areas_to_improve(bjorn: Memory) -> None:
    context = ToolContext(persona_id="bjorn", user_id="anna")
    bjorn.profiles.update("bjorn", "anna", "personal_info", {"name": "Anna"})
    result = bjorn.invoke_tool(
        "update_memory",
        {"category": "areas_to_improve", "data": {"grammar": ["en/ett", "V2 word order"]}},
        context,
    )
    assert result["status"] == "success" and result["value"] == {
        "grammar": ["en/ett", "V2 word order"]
    }
    profile = bjorn.profiles.get("bjorn", "anna").categories
    assert profile["areas_to_improve"] == {"grammar": ["en/ett", "V2 word order"]}
    assert profile["personal_info"] == {"name": "Anna"}
    unknown = bjorn.invoke_tool("update_memory", {"category": "nope", "data": {"a": 1}}, context)
    assert unknown["status"] == "error" and "nope" in unknown["error"]
    assert bjorn.profiles.get("bjorn", "anna").version == 2
    replaced = bjorn.invoke_tool(
        "update_memory",
        {"category": "areas_to_improve", "data": {"vocab": []}, "operation": "replace"},
        context,
    )
    assert replaced["value"] == {"vocab": []}
    with pytest.raises(InvalidInput):  # data must be an object: refused by the argument model
        bjorn.invoke_tool("update_memory", {"category": "areas_to_improve", "data": [1]}, context)


def test_cleared_areas_to_improve_leave_the_section(bjorn: Memory) -> None:
    bjorn.profiles.update("bjorn", "anna", "personal_info", {"name": "Anna"})
    bjorn.profiles.update("bjorn", "anna", "areas_to_improve", {"grammar": ["V2 word order"]})
    assert "V2 word order" in bjorn.profiles.prompt_section("bjorn", "anna")
    bjorn.profiles.clear("bjorn", "anna", "areas_to_improve")
    section = bjorn.profiles.prompt_section("bjorn", "anna")
    assert "areas_to_improve" not in section and "V2 word order" not in section
    assert "Anna" in section
