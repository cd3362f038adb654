"""The public API is what ``__all__`` says, and all of it imports."""

from __future__ import annotations

import persona_memory


def test_all_is_sorted_and_resolves() -> None:
    names = persona_memory.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(persona_memory, name) is not None, name


def test_core_imports_nothing_from_the_edges() -> None:
    """The domain stays pure: no storage, providers, retrieval or interfaces."""
    import ast
    from pathlib import Path

    core = Path(persona_memory.__file__).parent / "core"
    forbidden = (
        "persona_memory.storage",
        "persona_memory.providers",
        "persona_memory.interfaces",
        "persona_memory.retrieval",
        "sqlalchemy",
        "fastapi",
        "httpx",
    )
    for path in core.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(forbidden), (path.name, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(forbidden), (path.name, alias.name)


def test_migrations_import_no_application_code() -> None:
    """A migration runs years after it was written: it may use column types, never
    the domain or the live schema, whose meaning changes under it."""
    import ast
    from pathlib import Path

    versions = Path(persona_memory.__file__).parent / "storage" / "migrations" / "versions"
    allowed = {"persona_memory.storage.types"}
    for path in versions.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "persona_memory"
            ):
                assert node.module in allowed, (path.name, node.module)


def test_core_follows_one_module_convention() -> None:
    """Each concept keeps models, rules and errors in ``<concepts>.py`` and its
    service in ``<concept>_service.py``; only services open transactions."""
    from pathlib import Path

    def plural(word: str) -> str:
        # Uncountable: the module holds its models.
        if word in (
            "learning",
            "continuation",
            "persona_learning",
            "privacy",
            "transfer",
            "mem0_import",
            "profile_migration",
        ):
            return word
        return word[:-1] + "ies" if word.endswith("y") else word + "s"

    core = Path(persona_memory.__file__).parent / "core"
    # Shared modules, and models with no service of their own (a session's digest
    # and transcript are written by the learning service, which also runs the
    # jobs; decay is a rule that search and learning apply).
    shared = {"__init__", "base", "errors", "ids", "scope", "ports", "caller"}
    shared |= {"digests", "transcripts", "jobs", "decay"}
    shared |= {"privacy_patterns"}  # rules the privacy concept applies, no service
    services = {p.stem.removesuffix("_service") for p in core.glob("*_service.py")}
    concepts = {p.stem for p in core.glob("*.py")} - shared - {f"{s}_service" for s in services}
    assert {plural(service) for service in services} == concepts
    for path in core.glob("*.py"):
        text = path.read_text()
        opens = "store.transaction()" in text or "store.read()" in text
        assert opens == path.stem.endswith("_service") or path.stem == "ports", path.name
