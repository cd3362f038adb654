"""Every command's ``--help`` as a user sees it: each option's own help intact, and
each option that sets a setting shows its variable and its default."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from persona_memory.config import (
    DEFAULT_DATABASE_SHOWN,
    DEMO_DATABASE_SHOWN,
    Settings,
    default_database_path,
    demo_database_path,
)
from persona_memory.interfaces.cli import app
from persona_memory.interfaces.cli_options import UNSET

runner = CliRunner()
WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200", "NO_COLOR": "1"}
# Options named otherwise than their setting; any other option whose name is a
# setting's (--host, --port, --embedder) sets that setting.
SETTING_OF = {
    "--database": "database_url",
    "--idle-minutes": "session_idle_minutes",
    "--days": "transcript_retention_days",
}


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(typer.main.get_command(app)))


def _help(path: tuple[str, ...]) -> str:
    """``--help`` as printed, its table's borders dropped and its lines joined, so
    that a help wrapped onto two lines still reads as one text."""
    result = runner.invoke(app, [*path, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout).split())


def _setting_of(option: Any) -> str | None:
    for name in option.opts:
        setting = SETTING_OF.get(name, name.removeprefix("--").replace("-", "_"))
        if setting in Settings.model_fields:
            return setting
    return None


def _expected_default(setting: str) -> str:
    """The default as config.py defines it (a computed one as config.py shows it)."""
    field = Settings.model_fields[setting]
    if field.default_factory is not None:
        assert setting == "database_url", f"how is {setting}'s computed default shown?"
        return DEFAULT_DATABASE_SHOWN
    return UNSET if field.default is None else str(field.default)


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if getattr(p, "opts", None) and p.name != "help"]


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda path: " ".join(path) or "(root)")
def test_help_shows_every_option_with_its_setting(path: tuple[str, ...]) -> None:
    shown = _help(path)
    for option in _options(COMMANDS[path]):
        # The option's own help, whole: nothing in it was taken for markup.
        assert " ".join((option.help or "").split()) in shown, (option.opts, shown)
        setting = _setting_of(option)
        if setting is None:
            continue
        name = option.opts[0]
        variable = f"PERSONA_MEMORY_{setting.upper()}"
        default = _expected_default(setting)
        # Both in this option's row: after its name, before the next option's.
        row = shown.split(f" {name} ", 1)[1].split(" --", 1)[0]
        assert f"[env var: {variable}]" in row, (name, row)
        assert re.search(rf"\[default: \(?{re.escape(default)}\)?\]", row), (name, row)


def test_the_mapping_of_options_to_settings_names_real_options() -> None:
    every = {name for command in COMMANDS.values() for o in _options(command) for name in o.opts}
    assert set(SETTING_OF) <= every
    assert {"--host", "--port", "--embedder"} <= every


def test_serve_help_shows_the_database_variable_and_the_port() -> None:
    shown = _help(("serve",))
    assert "[env var: PERSONA_MEMORY_DATABASE_URL]" in shown
    assert "[env var: PERSONA_MEMORY_PORT] [default: 8000]" in shown
    assert "[env var: PERSONA_MEMORY_HOST] [default: 127.0.0.1]" in shown
    assert DEMO_DATABASE_SHOWN in shown  # --demo says where the demo's data goes


def test_plain_help_without_rich_shows_them_too() -> None:
    """Typer without Rich prints click's help: the variable and default are there."""
    plain = subprocess.run(
        [sys.executable, "-m", "persona_memory", "serve", "--help"],
        env={**os.environ, **WIDE, "TYPER_USE_RICH": "0"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "╭" not in plain
    assert "[env var: PERSONA_MEMORY_PORT; default: 8000]" in " ".join(plain.split())


def test_the_shown_database_paths_are_the_real_ones(tmp_path: Path) -> None:
    """Expanded by a shell (as `make clean` does), the paths help shows are the
    paths config.py computes, with XDG_DATA_HOME set and without it."""
    for xdg in (None, str(tmp_path / "xdg")):
        env = {"HOME": str(tmp_path / "home")} | ({"XDG_DATA_HOME": xdg} if xdg else {})
        expanded = subprocess.run(
            ["sh", "-c", f"printf '%s\\n' {DEFAULT_DATABASE_SHOWN} {DEMO_DATABASE_SHOWN}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            if xdg is None:
                patch.delenv("XDG_DATA_HOME", raising=False)
            assert expanded == [str(default_database_path()), str(demo_database_path())]
