"""Time off as people read it, in the doctor's zone: whole days as dates, a break within
a day as its date and hours. The admin's doctor card and the doctor's /block share it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from domain.clinic_setup import local_span
from domain.schedule import TimeOff


def span_text(t: Translator, off: TimeOff, zone: ZoneInfo) -> str:
    """``martes, 5 de mayo de 2026``, a range of such days, or ``martes, 5 de mayo de
    2026, 13:00-15:00``."""
    return _span(t, off, zone, t.day)


def short_span(t: Translator, off: TimeOff, zone: ZoneInfo) -> str:
    """The same, short enough for a button: ``mar 5``, ``mar 5 - vie 8``, ``mar 5
    13:00-15:00``."""
    return _span(t, off, zone, t.short_day)


def _span(t: Translator, off: TimeOff, zone: ZoneInfo, day: Callable[[date], str]) -> str:
    first, last = local_span(off, zone)
    if not isinstance(first, datetime) or not isinstance(last, datetime):
        return day(first) if first == last else f"{day(first)} - {day(last)}"
    start, end = t.time(off.start, zone), t.time(off.end, zone)
    if (last - timedelta(microseconds=1)).date() == first.date():  # ends by midnight
        return t("timeoff.within_day", day=day(first.date()), start=start, end=end)
    return f"{day(first.date())} {start} - {day(last.date())} {end}"
