"""schemathesis over our own OpenAPI schema (issue 8): examples generated from the
schema, valid and invalid, sent to a real server on each backend, and every answer
checked against the schema: no 5xx, only documented statuses, documented bodies.

``make test`` runs 5 examples per operation and mode; ``make fuzz`` runs many
(``PERSONA_MEMORY_FUZZ_EXAMPLES``). Positive data acceptance is not checked: some
refusals cannot be written in a JSON Schema (a block's ``old_content`` must occur
in it, a profile category must be declared by the persona, no NUL in text).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from persona_memory import Memory, PersonaCreate, Settings, UserCreate
from tests.conftest import LiveServer

ADMIN_KEY = "k" * 32
EXAMPLES = int(os.environ.get("PERSONA_MEMORY_FUZZ_EXAMPLES", "5"))


@dataclass
class Target:
    url: str
    admin: dict[str, str]
    user: dict[str, str]
    ids: dict[str, str]


@pytest.fixture
def target(database_url: str) -> Iterator[Target]:
    settings = Settings(database_url=database_url, embedder="hash", admin_key=ADMIN_KEY)
    with Memory(settings=settings) as memory, LiveServer(memory) as live:
        memory.personas.create(PersonaCreate(id="sage", name="Sage"))
        memory.users.create(UserCreate(id="alice"))
        record = memory.add("alice likes tea", persona_id="sage", user_id="alice")
        token = memory.tokens.issue("alice").token
        yield Target(
            url=live.url,
            admin={"Authorization": f"Bearer {ADMIN_KEY}"},
            user={"Authorization": f"Bearer {token}"},
            ids={
                "persona_id": "sage",
                "user_id": "alice",
                "memory_id": record.id,
                "label": "human",
                "name": "update_memory",
            },
        )


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_schema_holds_for_generated_requests(target: Target, mode: GenerationMode) -> None:
    # schemathesis's own pytest plugin does not run under pytest 9 (it sets
    # Function._nodeid); its strategies, driven by hypothesis here, do.
    schema = schemathesis.openapi.from_url(f"{target.url}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            exercise(operation.as_strategy(generation_mode=mode), target)
        except hypothesis.errors.Unsatisfiable:
            continue  # nothing in this operation can be invalid (free-form strings only)
        except Exception as error:  # a FailureGroup or our own assertion, per operation
            failures.append(f"{operation.label} ({mode.value}):\n{error}")
    assert not failures, "\n\n".join(failures)


def exercise(strategy: SearchStrategy[Case], target: Target) -> None:
    @hypothesis.given(strategy)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("CI") == "true",
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def one(case: Case) -> None:
        mine = case.path == "/v1/me" or case.path.startswith("/v1/me/")
        if case.path_parameters:
            _point_at_real_rows(case, target.ids)
        headers = target.user if mine else target.admin
        case.call_and_validate(base_url=target.url, headers=headers, excluded_checks=excluded(case))

    one()


def excluded(case: Case) -> list[CheckFunction]:
    """Checks that cannot hold for this case. Positive data acceptance never does
    (module docstring). A query, path or header value travels as text, so a
    'wrong type' there (tag=-1.4e-262) is also a string the schema allows: only
    an invalid body can be held to "invalid data is rejected"."""
    checks: list[CheckFunction] = [positive_data_acceptance]
    if case.meta is None or not case.meta.is_negative_at(ParameterLocation.BODY):
        checks.append(negative_data_rejection)
    return checks


def _point_at_real_rows(case: Case, ids: dict[str, str]) -> None:
    """Half the time, path parameters name rows that exist, so that generated
    bodies reach the code behind the 404s."""
    parameters: dict[str, Any] = case.path_parameters or {}
    if zlib.crc32(repr(case.body).encode()) % 2:
        for name in parameters:
            if name in ids:
                parameters[name] = ids[name]
