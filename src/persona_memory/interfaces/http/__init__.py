"""The REST API."""

from persona_memory.interfaces.http.app import create_app

__all__ = ["create_app"]
