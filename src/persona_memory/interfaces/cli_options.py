"""What every command shares: the database option and the settings it yields, and
the options that set a setting (their variable and default come from config.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from persona_memory.config import DEFAULT_DATABASE_SHOWN, Settings

# How help shows the default of a setting that is computed when read.
_COMPUTED_DEFAULTS = {"database_url": DEFAULT_DATABASE_SHOWN}
# How help shows a setting whose default is None (as docs/configuration.md does).
UNSET = "unset"


def setting_envvar(name: str) -> str:
    """The environment variable of the setting ``name``: ``PERSONA_MEMORY_<NAME>``."""
    return f"{Settings.model_config.get('env_prefix', '')}{name.upper()}"


def setting_default(name: str) -> Any:
    """The default config.py gives the setting ``name`` (None if it is computed)."""
    return Settings.model_fields[name].get_default(call_default_factory=False)


def setting_option(name: str, *param_decls: str, help: str, **kwargs: Any) -> Any:
    """An option for the setting ``name``. Click reads its environment variable, as
    Settings would, and the help shows the variable and the default; the help text
    itself must not say them: Typer's help reads ``[...]`` as Rich markup and drops it."""
    return typer.Option(
        *param_decls,
        help=help,
        envvar=setting_envvar(name),
        show_envvar=True,
        show_default=_shown_default(name),
        **kwargs,
    )


def _shown_default(name: str) -> str | bool:
    """Click shows a plain default itself (True), but not one that is None."""
    field = Settings.model_fields[name]
    if field.default_factory is not None:
        return _COMPUTED_DEFAULTS[name]
    return UNSET if field.default is None else True


DatabaseOption = Annotated[
    str | None,
    setting_option("database_url", "--database", "-d", help="SQLite file path or database URL."),
]


def settings_for(database: str | None, **overrides: Any) -> Settings:
    """Settings from the environment, with what the command line gave on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if database is not None:
        given["database_url"] = database
    return Settings(**given)
