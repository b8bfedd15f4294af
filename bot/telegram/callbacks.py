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
    rm:ok:<uuid>                         a reminder's "I'll attend"
    rs:w:<yyyymmdd> | rs:day:<yyyymmdd>  reschedule: calendar week, day
    rs:slot:<doctor>:<epoch>             reschedule: the new time
    rs:ok | rs:back | rs:x               reschedule: confirm, back, cancel
    adm | adm:s:<section>                the admin menu, one of its sections
    adm:st:*                             admin: staff (invitations, unlinking, revoking)
    bk:again                             a called-off visit's "book again" (opens /book)
    adm:dr:*                             admin: doctors (details, hours, time off, stranded)
    adm:ct:*                             admin: catalog (specialties, locations)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
