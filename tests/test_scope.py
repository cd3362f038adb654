"""Scopes and ids: the value objects every store call depends on."""

from __future__ import annotations

import pytest

from persona_memory.core.errors import InvalidInput
from persona_memory.core.ids import check_persona_id, check_user_id
from persona_memory.core.scope import Scope, ScopeKind, visible_scopes


def test_owner_decides_scope() -> None:
    assert Scope.for_owner(None, None) == Scope(ScopeKind.GLOBAL)
    assert Scope.for_owner("sage", None) == Scope(ScopeKind.PERSONA, "sage")
    assert Scope.for_owner("sage", "u1") == Scope(ScopeKind.RELATIONSHIP, "sage", "u1")
    with pytest.raises(InvalidInput) as raised:
        Scope.for_owner(None, "u1")
    assert raised.value.field == "persona_id"


def test_malformed_scopes_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Scope(ScopeKind.GLOBAL, persona_id="sage")
    with pytest.raises(InvalidInput):
        Scope(ScopeKind.PERSONA)
    with pytest.raises(InvalidInput):
        Scope(ScopeKind.PERSONA, "sage", "u1")
    with pytest.raises(InvalidInput):
        Scope(ScopeKind.RELATIONSHIP, "Not A Slug", "u1")


def test_visible_scopes() -> None:
    assert visible_scopes(None, None) == [Scope.global_()]
    assert visible_scopes("sage", None) == [Scope.global_(), Scope.persona("sage")]
    assert visible_scopes("sage", "u1") == [
        Scope.global_(),
        Scope.persona("sage"),
        Scope.relationship("sage", "u1"),
    ]
    with pytest.raises(InvalidInput):
        visible_scopes(None, "u1")


@pytest.mark.parametrize("good", ["sage", "pi", "a-b_c", "x" * 64, "0day"])
def test_good_persona_ids(good: str) -> None:
    assert check_persona_id(good) == good


@pytest.mark.parametrize("bad", ["", "Sage", "with space", "-lead", "x" * 65, "é"])
def test_bad_persona_ids_name_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_persona_id(bad)
    assert raised.value.field == "persona_id" and raised.value.status_code == 422


@pytest.mark.parametrize("good", ["alice", "alice@example.com", "U-1:2+3", "a" * 128])
def test_good_user_ids(good: str) -> None:
    assert check_user_id(good) == good


@pytest.mark.parametrize("bad", ["", " alice", "a/b", "a" * 129, "a b"])
def test_bad_user_ids(bad: str) -> None:
    with pytest.raises(InvalidInput):
        check_user_id(bad)
