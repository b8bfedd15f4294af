"""A doctor's agenda: which days it shows, and what a doctor may mark on a visit.

A doctor marks a visit completed or no-show only once it has started, and only where
the status table allows it (``domain.status``); the buttons are offered by the same
rule :func:`check_markable` holds the use case to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.actors import Actor, Role
from domain.entities import Appointment
from domain.errors import InvalidTransition
from domain.status import Status, can_transition

#: What a doctor marks a visit as, once it has started.
MARKS = (Status.COMPLETED, Status.NO_SHOW)


class AgendaPeriod(StrEnum):
    TODAY = "d"
    TOMORROW = "t"
    THIS_WEEK = "w"  # today to Sunday


def agenda_days(period: AgendaPeriod, today: date) -> tuple[date, date]:
    """The first and last local day the agenda shows for ``period`` on ``today``."""
    if period is AgendaPeriod.TODAY:
        return today, today
    if period is AgendaPeriod.TOMORROW:
        tomorrow = today + timedelta(days=1)
        return tomorrow, tomorrow
    return today, today + timedelta(days=6 - today.weekday())


def marks_allowed(appointment: Appointment, now: datetime) -> tuple[Status, ...]:
    """What the doctor may mark the visit as now: nothing before it starts."""
    if now < appointment.start:
        return ()
    return tuple(s for s in MARKS if can_transition(appointment.status, s))


def check_markable(actor: Actor, appointment: Appointment, target: Status, now: datetime) -> None:
    """A doctor marks a visit completed or no-show only once it has started."""
    if actor.role is Role.DOCTOR and target in MARKS and now < appointment.start:
        raise InvalidTransition(f"{target} before the visit starts")


@dataclass(frozen=True, slots=True)
class AgendaLine:
    """One visit as its doctor sees it."""

    appointment: Appointment
    patient_name: str
    will_attend: bool
    marks: tuple[Status, ...]  # what the doctor may mark it as now


@dataclass(frozen=True, slots=True)
class Agenda:
    first_day: date
    last_day: date
    lines: list[AgendaLine]
    #: Bookings from now on that wait for this doctor to accept or decline, soonest first.
    awaiting: list[AgendaLine] = field(default_factory=list)
