"""Callback data: short strings, at most 64 bytes, one prefix per feature.

Handlers parse with these functions and re-check everything they read
(who may act, whether the thing still exists, whether the slot is free).
When a format changes, its prefix changes, so old buttons read as stale.

    rg:ok | rg:no | rg:c:<CC>            registration (privacy, country)
    lang:<es|en>                         language
    bk:c:<CC> | bk:s:<id> | bk:d:<id>    booking: country, specialty, doctor (0 = any)
    bk:w:<yyyymmdd> | bk:day:<yyyymmdd>  booking: calendar week, day
    bk:slot:<doctor>:<epoch>             booking: time
    bk:ok | bk:back | bk:x               booking: confirm, back, cancel
    my:c:<uuid> | my:y:<uuid> | my:n     my appointments: cancel, confirm cancel, keep
    my:r:<uuid>                          my appointments: reschedule (opens the rs: screens)
    rs:w:<yyyymmdd> | rs:day:<yyyymmdd>  reschedule: calendar week, day
    rs:slot:<doctor>:<epoch>             reschedule: the new time
    rs:ok | rs:back | rs:x               reschedule: confirm, back, cancel
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

MAX_BYTES = 64
_DAY = re.compile(r"^\d{8}$")


def day_token(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_day(token: str) -> date | None:
    if not _DAY.match(token):
        return None
    try:
        return datetime.strptime(token, "%Y%m%d").replace(tzinfo=UTC).date()
    except ValueError:
        return None


def slot_token(doctor_id: int, start: datetime, flow: str = "bk") -> str:
    return f"{flow}:slot:{doctor_id}:{int(start.timestamp())}"


def parse_slot(data: str, flow: str = "bk") -> tuple[int, datetime] | None:
    match = re.fullmatch(rf"{flow}:slot:(\d{{1,9}}):(\d{{9,11}})", data)
    if not match:
        return None
    return int(match[1]), datetime.fromtimestamp(int(match[2]), UTC)


def parse_int(token: str) -> int | None:
    return int(token) if token.isdigit() and len(token) <= 9 else None


def parse_uuid(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=token)
    except ValueError:
        return None
