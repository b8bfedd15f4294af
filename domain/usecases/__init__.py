"""Use cases: one module each, every one called as ``(deps, actor, command)``.

Each opens its own unit of work (and so chooses its transaction mode), does one thing
in one transaction, and returns domain objects or raises a :class:`~domain.errors.DomainError`.
"""
