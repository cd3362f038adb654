"""The SQL transaction, one module per concept; every backend shares them.

Each module is a mixin over one open connection; :class:`SqlTransaction`
combines them into the domain's ``Transaction`` protocol.
"""
