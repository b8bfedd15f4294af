"""Free slots of a doctor, computed in the country's zone and returned in UTC.

A slot is free when it lies inside the doctor's hours for that local day,
outside breaks, exceptions, time off and the country's public holidays, does
not overlap an active appointment, and starts between ``now + min_lead`` and
``now + horizon``. Local wall-clock times that do not exist (a DST gap) are
skipped; times that happen twice (a DST overlap) are offered once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from domain.countries import Country
from domain.entities import Doctor
from domain.schedule import DayHours


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC


@dataclass(frozen=True, slots=True)
class Busy:
    """A span during which the doctor is taken (an active appointment)."""

    start: datetime
    end: datetime


def free_slots(
    doctor: Doctor,
    country: Country,
    first_day: date,
    last_day: date,
    *,
    busy: Iterable[Busy],
    now: datetime,
) -> list[Slot]:
    """Free slots on local days ``first_day`` to ``last_day`` inclusive."""
    earliest = now + country.booking.min_lead
    latest = now + country.booking.horizon
    taken = _Taken(
        [(b.start, b.end) for b in busy] + [(t.start, t.end) for t in doctor.plan.time_off]
    )
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        if not country.is_holiday(day):
            hours = doctor.plan.hours_on(day)
            if hours is not None:
                slots.extend(
                    slot
                    for slot in _day_slots(day, hours, doctor.slot_length, country)
                    if earliest <= slot.start <= latest and not taken.collides(slot)
                )
        day += timedelta(days=1)
    return slots


def is_free(
    doctor: Doctor, country: Country, start: datetime, busy: Iterable[Busy], now: datetime
) -> Slot | None:
    """The free slot starting exactly at ``start``, or ``None``."""
    local_day = start.astimezone(country.timezone).date()
    for slot in free_slots(doctor, country, local_day, local_day, busy=busy, now=now):
        if slot.start == start:
            return slot
    return None


def local_window(country: Country, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The UTC instants that bound local days ``first_day``..``last_day``."""
    start = datetime.combine(first_day, time(), country.timezone).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(), country.timezone)
    return start, end.astimezone(UTC)


def _day_slots(day: date, hours: DayHours, length: timedelta, country: Country) -> Iterator[Slot]:
    zone = country.timezone
    opening = datetime.combine(day, hours.hours.start)
    offsets = _slot_offsets(hours, length)
    if not offsets:
        return
    first, last = _to_utc(opening + offsets[0], zone), _to_utc(opening + offsets[-1], zone)
    if first is not None and last is not None and last - first == offsets[-1] - offsets[0]:
        # Most days keep one UTC offset through working hours: plain arithmetic then.
        for offset in offsets:
            start = first + (offset - offsets[0])
            yield Slot(start, start + length)
        return
    seen: set[datetime] = set()  # a DST change today: each wall time on its own
    for offset in offsets:
        start_utc = _to_utc(opening + offset, zone)
        if start_utc is not None and start_utc not in seen:
            seen.add(start_utc)
            yield Slot(start_utc, start_utc + length)


@lru_cache(maxsize=512)
def _slot_offsets(hours: DayHours, length: timedelta) -> tuple[timedelta, ...]:
    """Where a working day's slots start, from its opening, breaks left out; wall-clock
    arithmetic only, so the same for every day with these hours."""
    opening = datetime.combine(date.min, hours.hours.start)
    closing = datetime.combine(date.min, hours.hours.end)
    breaks = [
        (datetime.combine(date.min, b.start), datetime.combine(date.min, b.end))
        for b in hours.breaks
    ]
    offsets = []
    cursor = opening
    while cursor + length <= closing:
        slot_end = cursor + length
        if not any(start < slot_end and cursor < end for start, end in breaks):
            offsets.append(cursor - opening)
        cursor = slot_end
    return tuple(offsets)


def _to_utc(local: datetime, zone: tzinfo) -> datetime | None:
    """Attach ``zone``; ``None`` when the wall time falls in a DST gap."""
    as_utc = local.replace(tzinfo=zone).astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != local:
        return None
    return as_utc


class _Taken:
    """Busy spans merged into disjoint sorted intervals, searched by bisection."""

    def __init__(self, spans: list[tuple[datetime, datetime]]) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(spans):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def collides(self, slot: Slot) -> bool:
        i = bisect_right(self.starts, slot.start) - 1
        if i >= 0 and self.ends[i] > slot.start:
            return True
        return i + 1 < len(self.starts) and self.starts[i + 1] < slot.end


def offered_slots(doctor: Doctor, country: Country, first_day: date, last_day: date) -> int:
    """How many slots the doctor's plan offers on local days ``first_day`` to ``last_day``:
    working hours less breaks, exceptions, time off and holidays, booked or not, past or
    not (the denominator of a fill rate)."""
    off = _Taken([(t.start, t.end) for t in doctor.plan.time_off])
    count = 0
    day = first_day
    while day <= last_day:
        hours = None if country.is_holiday(day) else doctor.plan.hours_on(day)
        if hours is not None:
            slots = _day_slots(day, hours, doctor.slot_length, country)
            count += sum(1 for slot in slots if not off.collides(slot))
        day += timedelta(days=1)
    return count
