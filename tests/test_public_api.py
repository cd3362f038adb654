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
