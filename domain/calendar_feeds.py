"""A doctor's calendar feed: their agenda at a secret URL, for Google or Apple Calendar.

The URL's token is the only credential a calendar app can carry, so it is long and
random, shown once when it is made, and stored only as its SHA-256, like an API
token. A doctor has at most one active feed: making a new one revokes the old, and
revoking leaves none; a revoked or unknown token, or one whose doctor is no longer
active, reads as no feed at all.

A calendar service keeps whatever it subscribes to, so the feed carries no patient's
name, ID or contact: each visit is its time, specialty, place, status and reference,
which the doctor looks up in ``/agenda``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.entities import Appointment, Location, Specialty
from domain.status import Status

#: How far back the feed reaches, so this week's past visits stay in the calendar.
PAST = timedelta(days=30)
#: Visits a calendar shows: booked, confirmed or held; a called-off one drops out.
LISTED = frozenset({Status.REGISTERED, Status.PENDING, Status.ASSIGNED, Status.COMPLETED,
                    Status.NO_SHOW})  # fmt: skip


@dataclass(slots=True)
class CalendarFeed:
    doctor_id: int
    token_hash: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class FeedVisit:
    appointment: Appointment
    specialty: Specialty | None
    location: Location | None


@dataclass(frozen=True, slots=True)
class DoctorFeed:
    """What a feed serves: the doctor's visits from :data:`PAST` ago to their country's
    booking horizon, by time."""

    doctor_name: str
    country: str
    language: str | None  # the doctor's chosen one, if they chose
    visits: list[FeedVisit]


def new_feed_secret() -> str:
    """256 random bits, URL-safe: the token in ``/calendar/<token>.ics``."""
    return secrets.token_urlsafe(32)
