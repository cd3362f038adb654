"""The pure domain: models, scopes, errors, ports and the services built on them.

Nothing in here opens a file, a socket or a database; the outside world comes
in through the protocols in :mod:`persona_memory.core.ports`.
"""
