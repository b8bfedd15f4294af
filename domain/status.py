"""Appointment statuses and the one table of transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import InvalidTransition


class Status(StrEnum):
    REGISTERED = "registered"
    PENDING = "pending"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


#: Statuses that hold a doctor's slot. The storage's partial unique index
#: on (doctor, start) covers exactly these.
ACTIVE_STATUSES: frozenset[Status] = frozenset({Status.REGISTERED, Status.PENDING, Status.ASSIGNED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REGISTERED: frozenset(
        {Status.PENDING, Status.ASSIGNED, Status.CANCELLED, Status.REJECTED}
    ),
    Status.PENDING: frozenset({Status.ASSIGNED, Status.CANCELLED, Status.REJECTED}),
    Status.ASSIGNED: frozenset({Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.NO_SHOW: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.REJECTED: frozenset(),
}


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(f"{current} -> {target}")
