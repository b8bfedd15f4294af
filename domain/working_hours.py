"""A doctor's week and time off as an admin types them, checked; and what still fits.

The week is one line per working day (or several days at once); a day's time ranges are
the periods worked, and the gaps between them are the breaks::

    mon-fri 09:00-13:00 14:00-18:00
    sat 09:00-12:00

Breaks can also be named: ``mon 09:00-18:00 break 13:00-14:00``. Days are written in
English or Spanish (``mon``/``lun`` … ``sun``/``dom``); days left out are days off.
Time off is a day or a range of days, ``2026-12-24`` or ``2026-12-24..2027-01-02``,
optionally followed by a reason.

Every rule broken raises :class:`~domain.errors.InvalidSetup` with its reason; nothing
is returned half-checked.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo

from domain.clinic_setup import days_off
from domain.entities import Appointment
from domain.errors import InvalidSetup
from domain.schedule import DayHours, TimeOff, TimeRange, WorkingPlan

#: Day abbreviations by language, Monday first (ISO weekday = index + 1).
DAY_NAMES = {
    "en": ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    "es": ("lun", "mar", "mie", "jue", "vie", "sab", "dom"),
}
BREAK_WORDS = frozenset({"break", "breaks", "pausa", "pausas", "descanso"})
_DAYS = {name: i + 1 for names in DAY_NAMES.values() for i, name in enumerate(names)}
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DAY_SPAN = re.compile(r"^([a-z]+)(?:-([a-z]+))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_REASON = 200


def _plain(text: str) -> str:
    """Lower case without accents: ``Mié`` → ``mie``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _day_number(token: str) -> int:
    day = _DAYS.get(token[:3]) if len(token) >= 3 else None
    if day is None:
        raise InvalidSetup("unknown_day", token)
    return day


def _days(token: str) -> list[int]:
    match = _DAY_SPAN.match(token)
    if match is None:
        raise InvalidSetup("unknown_day", token)
    first = _day_number(match[1])
    last = _day_number(match[2]) if match[2] else first
    if last < first:
        raise InvalidSetup("unknown_day", token)
    return list(range(first, last + 1))


def parse_range(token: str) -> TimeRange:
    match = _RANGE.match(token)
    if match is None:
        raise InvalidSetup("not_a_range", token)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if max(h1, h2) > 23 or max(m1, m2) > 59:
        raise InvalidSetup("not_a_range", token)
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise InvalidSetup("ends_before_start", token)
    return TimeRange(start, end)


def check_day(hours: DayHours) -> DayHours:
    """Breaks inside the hours and apart from each other."""
    ordered = sorted(hours.breaks, key=lambda b: b.start)
    for first, second in pairwise(ordered):
        if second.start < first.end:
            raise InvalidSetup("breaks_overlap", f"{show_range(first)} {show_range(second)}")
    for b in ordered:
        if b.start < hours.hours.start or b.end > hours.hours.end:
            raise InvalidSetup("break_outside", show_range(b))
    return DayHours(hours.hours, tuple(ordered))


def _day_hours(tokens: list[str]) -> DayHours:
    """``09:00-13:00 14:00-18:00`` or ``09:00-18:00 break 13:00-14:00``."""
    split = next((i for i, t in enumerate(tokens) if t in BREAK_WORDS), len(tokens))
    periods = [parse_range(t) for t in tokens[:split]]
    breaks = [parse_range(t) for t in tokens[split + 1 :]]
    if not periods:
        raise InvalidSetup("no_hours", " ".join(tokens))
    if len(periods) > 1 and breaks:
        raise InvalidSetup("not_a_range", " ".join(tokens))
    periods.sort(key=lambda p: p.start)
    for first, second in pairwise(periods):
        if second.start < first.end:
            raise InvalidSetup("breaks_overlap", f"{show_range(first)} {show_range(second)}")
        if second.start > first.end:
            breaks.append(TimeRange(first.end, second.start))
    return check_day(DayHours(TimeRange(periods[0].start, periods[-1].end), tuple(breaks)))


def parse_week(text: str) -> dict[int, DayHours]:
    """The weekly hours an admin typed, by ISO weekday; at least one working day."""
    week: dict[int, DayHours] = {}
    for line in re.split(r"[\n;]", _plain(text)):
        tokens = re.sub(r"\s*[-\u2013]\s*", "-", line.replace(",", " ")).split()
        if not tokens:
            continue
        hours = _day_hours(tokens[1:])
        for day in _days(tokens[0]):
            if day in week:
                raise InvalidSetup("day_twice", tokens[0])
            week[day] = hours
    if not week:
        raise InvalidSetup("no_hours")
    return dict(sorted(week.items()))


def show_range(r: TimeRange) -> str:
    return f"{r.start:%H:%M}-{r.end:%H:%M}"


def show_day(hours: DayHours) -> str:
    """A day as it would be typed: the periods worked, the breaks as gaps."""
    edges = [hours.hours.start]
    for b in hours.breaks:
        edges += [b.start, b.end]
    edges.append(hours.hours.end)
    return " ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in zip(edges[::2], edges[1::2], strict=True))


def show_week(weekly: dict[int, DayHours], language: str) -> str:
    """The week as it would be typed, one line per day, in ``language``'s day names."""
    names = DAY_NAMES.get(language, DAY_NAMES["en"])
    return "\n".join(f"{names[day - 1]} {show_day(h)}" for day, h in sorted(weekly.items()))


def parse_time_off(text: str, zone: ZoneInfo, today: date) -> TimeOff:
    """``2026-12-24`` or ``2026-12-24..2027-01-02``, then an optional reason; whole local
    days from ``today`` on."""
    head, _, reason = text.strip().partition(" ")
    first_raw, dots, last_raw = head.partition("..")
    if not _DATE.match(first_raw) or (dots and not _DATE.match(last_raw)):
        raise InvalidSetup("not_dates", head)
    try:
        first = date.fromisoformat(first_raw)
        last = date.fromisoformat(last_raw) if dots else first
    except ValueError:
        raise InvalidSetup("not_dates", head) from None
    if last < first:
        raise InvalidSetup("ends_before_start", head)
    if first < today:
        raise InvalidSetup("time_off_past", head)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise InvalidSetup("reason_length")
    return days_off(first, last, zone, reason)


def fits(appointment: Appointment, plan: WorkingPlan, zone: ZoneInfo) -> bool:
    """Whether the visit lies inside the plan's hours on its day, clear of breaks and
    time off."""
    if any(off.overlaps(appointment.start, appointment.end) for off in plan.time_off):
        return False
    start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    hours = plan.hours_on(start.date())
    if hours is None or end.date() != start.date():
        return False
    begins, ends = start.time(), end.time()
    if begins < hours.hours.start or ends > hours.hours.end:
        return False
    return not any(b.overlaps(begins, ends) for b in hours.breaks)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()
