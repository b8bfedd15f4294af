"""API tokens and what the API remembers of a request (``docs/api.md``).

A token is shown once, when it is made; only its SHA-256 is stored, so a leaked
database names no usable token. Its scopes say what it may do: ``read`` the
clinic's directory, free slots and appointments, ``write`` (book, change statuses,
register patients and their contacts), ``admin`` (read patients' records).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import InvalidInput

#: What every raw token starts with, so a leaked one is recognisable (and greppable).
TOKEN_PREFIX = "mbt_"  # noqa: S105 (a prefix, not a secret)
NAME_LENGTH = 64


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


@dataclass(slots=True)
class ApiToken:
    name: str
    token_hash: str
    scopes: frozenset[Scope]
    created_at: datetime
    created_by: str  # the actor who made it, e.g. ``admin:42`` or ``system``
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: the raw ``secret`` exists only here, never stored."""

    token: ApiToken
    secret: str = field(repr=False)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def grants(scopes: frozenset[Scope], scope: Scope) -> bool:
    """Whether a token with ``scopes`` may do what needs ``scope``: ``admin`` includes
    ``write`` and ``read``; ``write`` does not include ``read``."""
    return scope in scopes or Scope.ADMIN in scopes


def parse_scopes(raw: str | list[str]) -> frozenset[Scope]:
    """``read,write`` (or a list of words) as scopes; at least one, each known."""
    words = raw.split(",") if isinstance(raw, str) else raw
    cleaned = [w.strip().lower() for w in words if w.strip()]
    try:
        scopes = frozenset(Scope(w) for w in cleaned)
    except ValueError:
        raise InvalidInput(f"scopes are {', '.join(Scope)}") from None
    if not scopes:
        raise InvalidInput("a token needs at least one scope")
    return scopes


def clean_token_name(raw: str) -> str:
    name = raw.strip()
    if not 1 <= len(name) <= NAME_LENGTH or not name.isprintable():
        raise InvalidInput(f"a token's name is 1 to {NAME_LENGTH} printable characters")
    return name


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What the API answered to a ``POST`` with an ``Idempotency-Key``, kept so a retry
    gets the same answer instead of acting twice. ``status`` is None while in progress."""

    token_id: int
    key: str
    fingerprint: str  # SHA-256 of the method, path and body: the same key, another request?
    created_at: datetime
    status: int | None = None
    body: str = ""
    content_type: str = ""
