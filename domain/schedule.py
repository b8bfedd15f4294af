"""A doctor's working plan: weekly hours with breaks, dated exceptions, time off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A span of local wall-clock time within one day, ``start`` inclusive, ``end`` exclusive."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a time range must end after it starts")

    def overlaps(self, start: time, end: time) -> bool:
        return start < self.end and self.start < end


@dataclass(frozen=True, slots=True)
class DayHours:
    """The hours of one working day and the breaks inside them."""

    hours: TimeRange
    breaks: tuple[TimeRange, ...] = ()


@dataclass(frozen=True, slots=True)
class TimeOff:
    """An absence between two aware instants: whole days, several days, or a break of a
    few hours within one day (a doctor's block, ``domain.blocks``).

    ``by_doctor`` marks time off the doctor blocked themselves, which they may also
    remove; the clinic's own (an admin's, or the clinic file's) only an admin removes.
    """

    start: datetime
    end: datetime
    reason: str = ""
    by_doctor: bool = False

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and self.start < end


@dataclass(frozen=True, slots=True)
class WorkingPlan:
    """Weekly hours keyed by ISO weekday (1 = Monday), plus dated overrides.

    ``exceptions`` replace the weekly hours on one date; ``None`` means the
    doctor does not work that day.
    """

    weekly: dict[int, DayHours] = field(default_factory=dict)
    exceptions: dict[date, DayHours | None] = field(default_factory=dict)
    time_off: tuple[TimeOff, ...] = ()

    def hours_on(self, day: date) -> DayHours | None:
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly.get(day.isoweekday())


def weekdays_plan(
    start: time, end: time, lunch: TimeRange | None = None, days: range = range(1, 6)
) -> WorkingPlan:
    """A plan with the same hours every weekday in ``days`` (Monday to Friday by default)."""
    breaks = (lunch,) if lunch else ()
    return WorkingPlan(weekly={d: DayHours(TimeRange(start, end), breaks) for d in days})
