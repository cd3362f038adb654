"""Storage backends behind :class:`persona_memory.core.ports.Store`.

Dialect differences (full-text indexes, vector columns, pragmas) live in this
package only.
"""

from persona_memory.storage.factory import open_store

__all__ = ["open_store"]
