"""What every command shares: the database option and the settings it yields."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from persona_memory.config import Settings

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="SQLite file path or database URL [env: PERSONA_MEMORY_DATABASE_URL].",
    ),
]


def settings_for(database: str | None, **overrides: Any) -> Settings:
    """Settings from the environment, with what the command line gave on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if database is not None:
        given["database_url"] = database
    return Settings(**given)
