"""Staff roles and invitations: who, besides patients, a Telegram account is.

Roles live in the database: a Telegram account is an admin while it holds an active
admin grant, and a doctor while a doctor's record is linked to it
(``doctors.telegram_user_id``; the grant row beside it keeps who linked and
unlinked it and when). ``ADMIN_TELEGRAM_IDS`` is an override on top: those accounts are
admins whatever the database says, so the first admin needs no database row and a
revoked grant cannot lock the operator out. Everyone registered is also a patient.

An invitation is a single-use, expiring token. Only its SHA-256 hash is stored; the
raw token is shown once, in the deep link, and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.actors import Actor, Role
from domain.entities import Patient

INVITATION_TTL = timedelta(days=7)
#: Telegram's ``start`` parameter allows 64 characters of ``A-Za-z0-9_-``.
TOKEN_BYTES = 24  # 32 characters of URL-safe base64


class StaffRole(StrEnum):
    ADMIN = "admin"
    DOCTOR = "doctor"


@dataclass(frozen=True, slots=True)
class Identity:
    """Everything one Telegram account is; several roles at once are normal.

    Each command acts in the role it belongs to: the patient commands (/start, /book,
    /my, their buttons, /language) act :meth:`as_patient`, so an admin or doctor who
    also registered books like anyone else; admin commands act :meth:`as_admin` and
    doctor commands :meth:`as_doctor`, each ``None`` for someone without that role.
    :attr:`actor` is the one actor "who this is" when a single answer is needed:
    ADMIN, then DOCTOR, then PATIENT, then GUEST.
    """

    telegram_user_id: int
    patient: Patient | None = None
    doctor_id: int | None = None
    admin: bool = False

    def as_patient(self) -> Actor:
        if self.patient is not None:
            return Actor(Role.PATIENT, self.patient.id, self.telegram_user_id)
        return Actor(Role.GUEST, None, self.telegram_user_id)

    def as_admin(self) -> Actor | None:
        return (
            Actor(Role.ADMIN, self.telegram_user_id, self.telegram_user_id) if self.admin else None
        )

    def as_doctor(self) -> Actor | None:
        if self.doctor_id is None:
            return None
        return Actor(Role.DOCTOR, self.doctor_id, self.telegram_user_id)

    @property
    def actor(self) -> Actor:
        return self.as_admin() or self.as_doctor() or self.as_patient()


@dataclass(frozen=True, slots=True)
class StaffLink:
    """The staff roles a Telegram account holds in the database."""

    admin: bool = False
    doctor_id: int | None = None


@dataclass(slots=True)
class StaffGrant:
    """One grant of a role to a Telegram account, and its revocation if revoked."""

    id: int | None
    telegram_user_id: int
    role: StaffRole
    doctor_id: int | None
    granted_at: datetime
    granted_by: str  # the granting actor, as ``str(Actor)``
    revoked_at: datetime | None = None
    revoked_by: str | None = None


@dataclass(slots=True)
class Invitation:
    id: int | None
    role: StaffRole
    doctor_id: int | None
    token_hash: str
    created_at: datetime
    expires_at: datetime
    created_by: str  # ``str(Actor)``
    used_at: datetime | None = None
    used_by: int | None = None  # the Telegram account that accepted it


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Whether ``token`` is the one ``stored_hash`` was made from, in constant time."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def looks_like_token(text: str) -> bool:
    """A ``/start`` parameter worth looking up: the shape :func:`new_token` makes."""
    return 20 <= len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text)


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
