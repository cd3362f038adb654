"""Storage backends behind :class:`persona_memory.core.ports.Store`.

Dialect differences (full-text indexes, vector columns, pragmas, locks) live
in this package only.
"""

from persona_memory.storage.store import SqlStore, open_store

__all__ = ["SqlStore", "open_store"]
