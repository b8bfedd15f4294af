"""Callback data: one small typed codec per button kind.

Each codec has ``pack()`` (which refuses anything over Telegram's 64 bytes),
``unpack()`` (``None`` for anything malformed) and ``pattern`` for its handler.
Handlers still re-check everything they unpack: who may act, whether the thing still
exists, whether the slot is free. When a format changes, its prefix changes, so old
buttons read as stale.

    rg:ok | rg:no | rg:c:<CC>            registration (privacy, country)
    lang:<es|en>                         language
    bk:c:<CC> | bk:s:<id> | bk:d:<id>    booking: country, specialty, doctor (0 = any)
    bk:w:<yyyymmdd> | bk:day:<yyyymmdd>  booking: calendar week, day
    bk:slot:<doctor>:<epoch>             booking: time
    bk:ok | bk:back | bk:x               booking: confirm, back, cancel
    my:c:<uuid> | my:y:<uuid> | my:n     my appointments: cancel, confirm cancel, keep
    my:r:<uuid>                          my appointments: reschedule (opens the rs: screens)
    my:f:<uuid>                          my appointments: a confirmed visit's .ics again
    rm:ok:<uuid>                         a reminder's "I'll attend"
    pv:fy | pv:fn                        /forget: erase my data, keep it
    rs:w:<yyyymmdd> | rs:day:<yyyymmdd>  reschedule: calendar week, day
    rs:slot:<doctor>:<epoch>             reschedule: the new time
    rs:ok | rs:back | rs:x               reschedule: confirm, back, cancel
    adm | adm:s:<section>                the admin menu, one of its sections
    adm:st:*                             admin: staff (invitations, unlinking, revoking)
    bk:again                             a called-off visit's "book again" (opens /book)
    adm:dr:*                             admin: doctors (details, hours, time off, stranded)
    adm:ct:*                             admin: catalog (specialties, locations)
    adm:ap:l:<location>:<yyyymmdd>       admin: a day's appointments at a location (0 = all)
    adm:ap:d:<doctor>:<yyyymmdd>         admin: a doctor's day (0 = choose the doctor)
    adm:ap:o:<uuid> | adm:ap:f           admin: open one (audited) | find one (typed)
    adm:ap:x:<uuid> | adm:ap:m:<uuid>    admin: cancel (reason typed) | move: free times
    adm:ap:mv:<uuid>:<epoch>             admin: move to this time
    adm:ap:k:<uuid>:<status>             admin: mark completed or no-show
    adm:pv:x:<id> | adm:pv:e:<id>        admin: a patient's data export | erase (asks first)
    adm:pv:ey:<id>                       admin: erase the patient, confirmed
    adm:sx:<period>:<dimension|all>      admin: statistics
    adm:au:r:<role|all> | adm:au:f:<a|p|u> admin: audit by actor | typed reference or patient ID
    adm:tk:new | adm:tk:ok               admin: a new API token (name typed) | its scopes done
    adm:tk:sc:<read|write|admin>         admin: a new API token: toggle a scope
    adm:tk:rv:<id> | adm:tk:ry:<id>      admin: revoke a token (asks first) | revoke, confirmed
    ag:p:<d|t|w>                         doctor's agenda: today, tomorrow, this week
    ag:k:<uuid>:<status>:<d|t|w>         doctor's agenda: mark completed or no-show
    bl | bl:w:<yyyymmdd> | bl:day:<…>    doctor's blocks (/block, the agenda's button): week, day
    bl:all | bl:f:<hhmm> | bl:t:<hhmm>   doctor's blocks: the whole day, a break's start, its end
    bl:rm:<epoch>:<epoch>                doctor's blocks: remove one (its start and end)
    bl:k:<uuid> | bl:c:<uuid>            doctor's blocks: keep or cancel a visit it strands
    bl:ka | bl:ca | bl:back | bl:x       doctor's blocks: keep all, cancel all, back, leave
    cf:new | cf:off                      doctor's calendar feed (/calendar): new link, turn off
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Generic, TypeVar

MAX_BYTES = 64
_DIGITS = re.compile(r"[0-9]{1,9}")
_DAY = re.compile(r"[0-9]{8}")
_SLOT = re.compile(r"([0-9]{1,9}):([0-9]{9,11})")

T = TypeVar("T")


class TooLong(ValueError):
    """Callback data over Telegram's 64 bytes: Telegram would refuse the whole keyboard."""


@dataclass(frozen=True, slots=True)
class Codec(Generic[T]):
    """A button kind that carries a value: ``<prefix>:<encoded value>``."""

    prefix: str
    encode: Callable[[T], str]
    decode: Callable[[str], T | None]

    @property
    def pattern(self) -> str:
        return f"^{re.escape(self.prefix)}:"

    def pack(self, value: T) -> str:
        data = f"{self.prefix}:{self.encode(value)}"
        if len(data.encode()) > MAX_BYTES:
            raise TooLong(self.prefix)
        return data

    def unpack(self, data: str | None) -> T | None:
        if data is None or not data.startswith(f"{self.prefix}:"):
            return None
        return self.decode(data[len(self.prefix) + 1 :])


@dataclass(frozen=True, slots=True)
class Tap:
    """A button kind with no value: its data is fixed."""

    data: str

    @property
    def pattern(self) -> str:
        return f"^{re.escape(self.data)}$"

    def pack(self) -> str:
        return self.data


def _int(token: str) -> int | None:
    return int(token) if _DIGITS.fullmatch(token) else None


def _account(token: str) -> int | None:
    """A Telegram user id: up to 15 digits (they outgrew 32 bits long ago)."""
    return int(token) if re.fullmatch(r"[0-9]{1,15}", token) else None


def _day(token: str) -> date | None:
    if not _DAY.fullmatch(token):
        return None
    try:
        return datetime.strptime(token, "%Y%m%d").replace(tzinfo=UTC).date()
    except ValueError:
        return None


def _uuid(token: str) -> uuid.UUID | None:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    return uuid.UUID(hex=token)


def _slot(token: str) -> tuple[int, datetime] | None:
    match = _SLOT.fullmatch(token)
    if not match:
        return None
    return int(match[1]), datetime.fromtimestamp(int(match[2]), UTC)


def _day_token(day: date) -> str:
    return day.strftime("%Y%m%d")


def _slot_token(slot: tuple[int, datetime]) -> str:
    return f"{slot[0]}:{int(slot[1].timestamp())}"


def _text(allowed: str) -> Callable[[str], str | None]:
    pattern = re.compile(allowed)
    return lambda token: token if pattern.fullmatch(token) else None


def _uuid_codec(prefix: str) -> Codec[uuid.UUID]:
    return Codec(prefix, lambda value: value.hex, _uuid)


@dataclass(frozen=True, slots=True)
class CalendarButtons:
    """The day, week and time picker's buttons, under one flow's own prefix."""

    flow: str

    @property
    def week(self) -> Codec[date]:
        return Codec(f"{self.flow}:w", _day_token, _day)

    @property
    def day(self) -> Codec[date]:
        return Codec(f"{self.flow}:day", _day_token, _day)

    @property
    def slot(self) -> Codec[tuple[int, datetime]]:
        return Codec(f"{self.flow}:slot", _slot_token, _slot)

    @property
    def confirm(self) -> Tap:
        return Tap(f"{self.flow}:ok")

    @property
    def back(self) -> Tap:
        return Tap(f"{self.flow}:back")

    @property
    def cancel(self) -> Tap:
        return Tap(f"{self.flow}:x")

    @property
    def any_pattern(self) -> str:
        """Every button of this flow: the fallback that answers stale ones."""
        return f"^{self.flow}:"


PRIVACY_OK = Tap("rg:ok")
PRIVACY_NO = Tap("rg:no")
REGISTER_COUNTRY: Codec[str] = Codec("rg:c", str, _text(r"[A-Z]{2}"))
LANGUAGE: Codec[str] = Codec("lang", str, _text(r"[a-z]{2}"))

BOOKING = CalendarButtons("bk")
RESCHEDULING = CalendarButtons("rs")
BOOK_COUNTRY: Codec[str] = Codec("bk:c", str, _text(r"[A-Z]{2}"))
BOOK_SPECIALTY: Codec[int] = Codec("bk:s", str, _int)
BOOK_DOCTOR: Codec[int] = Codec("bk:d", str, _int)  # 0: the first available

MY_CANCEL = _uuid_codec("my:c")
MY_CANCEL_YES = _uuid_codec("my:y")
MY_KEEP = Tap("my:n")
MY_RESCHEDULE = _uuid_codec("my:r")
MY_CALENDAR_FILE = _uuid_codec("my:f")
REMINDER_ATTEND = _uuid_codec("rm:ok")


def day_token(day: date) -> str:
    """A day as kept in conversation data (the same form as in callback data)."""
    return _day_token(day)


def parse_day(token: str) -> date | None:
    return _day(token)


def parse_uuid(token: str) -> uuid.UUID | None:
    return _uuid(token)


ADMIN_MENU = Tap("adm")
ADMIN_SECTION: Codec[str] = Codec("adm:s", str, _text(r"[a-z]{1,16}"))
ADMIN_INVITE_DOCTOR: Codec[int] = Codec("adm:st:id", str, _int)  # 0: choose the doctor
ADMIN_INVITE_ADMIN = Tap("adm:st:ia")
ADMIN_UNLINK: Codec[int] = Codec("adm:st:ul", str, _int)
ADMIN_REVOKE: Codec[int] = Codec("adm:st:rv", str, _account)  # a Telegram user id

BOOK_AGAIN = Tap("bk:again")

# A person's data (/forget), and an admin's for a patient who asks by phone.
FORGET_YES = Tap("pv:fy")
FORGET_NO = Tap("pv:fn")
ADMIN_EXPORT: Codec[int] = Codec("adm:pv:x", str, _int)  # a patient id
ADMIN_ERASE: Codec[int] = Codec("adm:pv:e", str, _int)
ADMIN_ERASE_YES: Codec[int] = Codec("adm:pv:ey", str, _int)

# Admin → Doctors. <id> 0 is the doctor being added.
ADMIN_DOCTOR: Codec[int] = Codec("adm:dr:o", str, _int)  # open a doctor's card
ADMIN_DOCTOR_NEW = Tap("adm:dr:new")
ADMIN_DOCTOR_FIELD: Codec[tuple[int, str]] = Codec(
    "adm:dr:f",
    lambda v: f"{v[0]}:{v[1]}",
    lambda t: (int(m[1]), m[2]) if (m := re.fullmatch(r"([0-9]{1,9}):([a-z]{1,8})", t)) else None,
)  # name, spec, loc, visit, hours, off, on, offduty
ADMIN_DOCTOR_SPECIALTY: Codec[int] = Codec("adm:dr:sp", str, _int)  # toggle in the draft
ADMIN_DOCTOR_SPECIALTIES_DONE = Tap("adm:dr:spok")
ADMIN_DOCTOR_LOCATION: Codec[int] = Codec("adm:dr:lc", str, _int)
ADMIN_DOCTOR_VISIT: Codec[int] = Codec("adm:dr:v", str, _int)  # minutes
ADMIN_STRANDED_KEEP = _uuid_codec("adm:dr:k")
ADMIN_STRANDED_CANCEL = _uuid_codec("adm:dr:x")
ADMIN_STRANDED_KEEP_ALL = Tap("adm:dr:ka")
ADMIN_STRANDED_CANCEL_ALL = Tap("adm:dr:xa")

# Admin → Catalog.
ADMIN_SPECIALTY: Codec[int] = Codec("adm:ct:s", str, _int)  # rename; 0 adds one
ADMIN_LOCATION: Codec[int] = Codec("adm:ct:l", str, _int)  # open a location; 0 adds one
ADMIN_LOCATION_FIELD: Codec[tuple[int, str]] = Codec(
    "adm:ct:lf",
    lambda v: f"{v[0]}:{v[1]}",
    lambda t: (int(m[1]), m[2]) if (m := re.fullmatch(r"([0-9]{1,9}):([a-z]{1,8})", t)) else None,
)  # name, address, phone, country
ADMIN_LOCATION_COUNTRY: Codec[str] = Codec("adm:ct:lc", str, _text(r"[A-Z]{2}"))


def _uuid_and(token: str, rest: Callable[[str], T | None]) -> tuple[uuid.UUID, T] | None:
    found, _, tail = token.partition(":")
    appointment_id, value = _uuid(found), rest(tail)
    return None if appointment_id is None or value is None else (appointment_id, value)


def _scoped_day(token: str) -> tuple[int, date] | None:
    """``<id>:<yyyymmdd>``: a location or doctor (0 = all, or choose) and a day."""
    found, _, day = token.partition(":")
    owner, when = _int(found), _day(day)
    return None if owner is None or when is None else (owner, when)


def _epoch(token: str) -> datetime | None:
    return datetime.fromtimestamp(int(token), UTC) if re.fullmatch(r"[0-9]{9,11}", token) else None


ADMIN_DAY_AT: Codec[tuple[int, date]] = Codec(
    "adm:ap:l", lambda v: f"{v[0]}:{_day_token(v[1])}", _scoped_day
)
ADMIN_DAY_OF: Codec[tuple[int, date]] = Codec(
    "adm:ap:d", lambda v: f"{v[0]}:{_day_token(v[1])}", _scoped_day
)
ADMIN_OPEN = _uuid_codec("adm:ap:o")
ADMIN_FIND = Tap("adm:ap:f")
ADMIN_CANCEL = _uuid_codec("adm:ap:x")
ADMIN_MOVE = _uuid_codec("adm:ap:m")
ADMIN_MOVE_TO: Codec[tuple[uuid.UUID, datetime]] = Codec(
    "adm:ap:mv", lambda v: f"{v[0].hex}:{int(v[1].timestamp())}", lambda t: _uuid_and(t, _epoch)
)
ADMIN_MARK: Codec[tuple[uuid.UUID, str]] = Codec(
    "adm:ap:k", lambda v: f"{v[0].hex}:{v[1]}", lambda t: _uuid_and(t, _text(r"completed|no_show"))
)


def _period_and_dimension(token: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"([a-z0-9]{1,3}):([a-z]{1,16})", token)
    return (match[1], match[2]) if match else None


ADMIN_STATS: Codec[tuple[str, str]] = Codec(
    "adm:sx", lambda v: f"{v[0]}:{v[1]}", _period_and_dimension
)
ADMIN_AUDIT_BY: Codec[str] = Codec("adm:au:r", str, _text(r"all|admin|doctor|patient|system"))
ADMIN_AUDIT_FIND: Codec[str] = Codec("adm:au:f", str, _text(r"a|p|u"))

# Admin → API tokens. A token is named by its id: a name may be 64 characters.
ADMIN_TOKEN_NEW = Tap("adm:tk:new")
ADMIN_TOKEN_SCOPE: Codec[str] = Codec("adm:tk:sc", str, _text(r"read|write|admin"))
ADMIN_TOKEN_SCOPES_DONE = Tap("adm:tk:ok")
ADMIN_TOKEN_REVOKE: Codec[int] = Codec("adm:tk:rv", str, _int)
ADMIN_TOKEN_REVOKE_YES: Codec[int] = Codec("adm:tk:ry", str, _int)


# The doctor's /agenda. A mark carries the period to show again afterwards.
AGENDA_PERIOD: Codec[str] = Codec("ag:p", str, _text(r"d|t|w"))


def _mark(token: str) -> tuple[uuid.UUID, str, str] | None:
    match = re.fullmatch(r"([0-9a-f]{32}):(completed|no_show):(d|t|w)", token)
    return (uuid.UUID(hex=match[1]), match[2], match[3]) if match else None


AGENDA_MARK: Codec[tuple[uuid.UUID, str, str]] = Codec(
    "ag:k", lambda v: f"{v[0].hex}:{v[1]}:{v[2]}", _mark
)


# A booking offered to a doctor, or to the admins (``domain.steps.Confirm``).
OFFER_ACCEPT = _uuid_codec("of:y")
OFFER_DECLINE = _uuid_codec("of:n")
#: The common reasons a doctor declines with; "other" asks for their own words.
DECLINE_REASONS = ("busy", "specialty", "away", "other")
OFFER_REASON: Codec[tuple[uuid.UUID, str]] = Codec(
    "of:r",
    lambda v: f"{v[0].hex}:{v[1]}",
    lambda t: _uuid_and(t, _text("|".join(DECLINE_REASONS))),
)


def _rebook(token: str) -> tuple[int, int, datetime] | None:
    match = re.fullmatch(r"([0-9]{1,9}):([0-9]{1,9}):([0-9]{9,11})", token)
    if not match:
        return None
    return int(match[1]), int(match[2]), datetime.fromtimestamp(int(match[3]), UTC)


#: One of the next free times a rejected booking's patient is offered:
#: (specialty, doctor, start).
REBOOK: Codec[tuple[int, int, datetime]] = Codec(
    "bk:re", lambda v: f"{v[0]}:{v[1]}:{int(v[2].timestamp())}", _rebook
)


# The doctor's blocks of time (/block). Day and week buttons are CalendarButtons("bl").
def _clock(token: str) -> time | None:
    match = re.fullmatch(r"([01][0-9]|2[0-3])([0-5][0-9])", token)
    return time(int(match[1]), int(match[2])) if match else None


def _span(token: str) -> tuple[datetime, datetime] | None:
    start, _, end = token.partition(":")
    first, last = _epoch(start), _epoch(end)
    return None if first is None or last is None else (first, last)


BLOCKING = CalendarButtons("bl")
BLOCK_OPEN = Tap("bl")
BLOCK_WHOLE_DAY = Tap("bl:all")
BLOCK_FROM: Codec[time] = Codec("bl:f", lambda v: f"{v:%H%M}", _clock)
BLOCK_TO: Codec[time] = Codec("bl:t", lambda v: f"{v:%H%M}", _clock)
BLOCK_REMOVE: Codec[tuple[datetime, datetime]] = Codec(
    "bl:rm", lambda v: f"{int(v[0].timestamp())}:{int(v[1].timestamp())}", _span
)
BLOCK_KEEP = _uuid_codec("bl:k")
BLOCK_CANCEL = _uuid_codec("bl:c")
BLOCK_KEEP_ALL = Tap("bl:ka")
BLOCK_CANCEL_ALL = Tap("bl:ca")

# A doctor's calendar feed (/calendar).
FEED_NEW = Tap("cf:new")
FEED_REVOKE = Tap("cf:off")
