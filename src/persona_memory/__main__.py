"""``python -m persona_memory`` runs the CLI."""

from persona_memory.interfaces.cli import main

main()
