"""Thin adapters over :class:`persona_memory.Memory`: HTTP, CLI."""
