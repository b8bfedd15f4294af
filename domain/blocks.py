"""A doctor's own blocks of time, picked with buttons: a whole day off, or a break of a
few hours within one day (13:00-15:00), in the zone of the doctor's country.

A block is plain :class:`~domain.schedule.TimeOff` between two aware instants, so the
slots it covers are no longer offered (``domain.availability``) and the visits it
covers no longer fit (``domain.working_hours.fits``), exactly as an admin's time off.
Times are offered in :data:`STEP`\\ s from the day's opening to its closing; a block
that has already ended is refused with ``time_off_past``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.clinic_setup import days_off
from domain.countries import Country
from domain.entities import Appointment
from domain.errors import InvalidSetup
from domain.schedule import DayHours, TimeOff, WorkingPlan

#: The grain of the times a doctor picks.
STEP = timedelta(minutes=30)


def whole_day(day: date, zone: ZoneInfo, now: datetime) -> TimeOff:
    """The local day ``day`` off, from midnight to midnight; from today on."""
    if day < now.astimezone(zone).date():
        raise InvalidSetup("time_off_past", day.isoformat())
    return days_off(day, day, zone)


def within_day(day: date, start: time, end: time, zone: ZoneInfo, now: datetime) -> TimeOff:
    """A break from ``start`` to ``end`` local time on ``day``; it must not have ended."""
    if end <= start:
        raise InvalidSetup("ends_before_start", f"{start:%H:%M}-{end:%H:%M}")
    off = TimeOff(datetime.combine(day, start, zone), datetime.combine(day, end, zone))
    if off.end <= now:
        raise InvalidSetup("time_off_past", f"{day.isoformat()} {start:%H:%M}-{end:%H:%M}")
    return off


def start_times(day: date, hours: DayHours, zone: ZoneInfo, now: datetime) -> list[time]:
    """The times a break may start at: every step of the day's hours whose first step
    has not passed."""
    return [
        t
        for t in _steps(hours.hours.start, hours.hours.end)[:-1]
        if datetime.combine(day, t, zone) + STEP > now
    ]


def end_times(hours: DayHours, start: time) -> list[time]:
    """The times a break from ``start`` may end at: up to the day's closing."""
    return [t for t in _steps(hours.hours.start, hours.hours.end) if t > start]


def _steps(opening: time, closing: time) -> list[time]:
    day = date.min
    cursor, last = datetime.combine(day, opening), datetime.combine(day, closing)
    found = []
    while cursor <= last:
        found.append(cursor.time())
        cursor += STEP
    if found[-1] != closing:
        found.append(closing)  # hours that close off the grain still close on time
    return found


def upcoming(plan: WorkingPlan, now: datetime) -> list[TimeOff]:
    """The plan's time off that has not ended, soonest first."""
    return sorted((off for off in plan.time_off if off.end > now), key=lambda off: off.start)


def covered(off: TimeOff, visits: list[Appointment]) -> list[Appointment]:
    """The visits the block overlaps, in their order."""
    return [a for a in visits if off.overlaps(a.start, a.end)]


def working_days(plan: WorkingPlan, country: Country, first: date, last: date) -> list[date]:
    """The local days from ``first`` to ``last`` on which the doctor works: the days a
    block can take slots away from."""
    days, day = [], first
    while day <= last:
        if not country.is_holiday(day) and plan.hours_on(day) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days
