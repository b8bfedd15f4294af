"""Per-country processing of a booking: the ordered steps it goes through after the
patient is answered, and what undoes each.

A booking is stored ``registered`` together with a :class:`Job`. A worker runs the
job's steps in order, each in one transaction with the job's own progress, so a crash
at any moment either applies a step and records it, or does neither:

    registered ──Checks──► (Confirm: pending ──accepted──►) assigned
                    │                 │ declined / no answer
                    │                 ├─► another free doctor of the specialty: pending
                    ▼                 ▼
                 rejected ◄──── compensation: slot freed, reminders withdrawn,
                                patient told why, with the next free times

A step answers with an :class:`Outcome`. :class:`Wait` parks the job until a time
(a response deadline) or until someone wakes it (a doctor's answer); :class:`Reject`
undoes every step already taken, newest first, then the booking itself
(:mod:`domain.usecases.processing`). Each country lists its steps in its module
(``domain/countries/pe.py``); these are the steps there are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from domain.usecases.processing import StepContext

#: A response deadline never comes sooner than this after the offer, whatever the visit.
MIN_RESPONSE = timedelta(minutes=10)


class Reason(StrEnum):
    """Why processing rejected a booking: the patient is told which."""

    DECLINED = "declined"  # the doctor (or the clinic) declined, and no one else is free
    NO_RESPONSE = "no_response"  # nobody answered before the deadline
    CHECK_FAILED = "check_failed"  # the booking no longer holds (doctor gone, time closed)
    FAILED = "failed"  # processing kept failing; the clinic has been alerted


class JobState(StrEnum):
    QUEUED = "queued"  # due at ``due`` (now, or a response deadline)
    WORKING = "working"  # claimed by a worker until its lease ends
    DONE = "done"
    DEAD = "dead"  # kept failing: an admin was alerted and the booking rejected


#: ``Job.offered_to`` when the clinic's admins, not a doctor, must confirm.
ADMINS = 0


@dataclass(slots=True)
class Job:
    """A booking's progress through its country's steps."""

    appointment_id: uuid.UUID
    due: datetime
    step: int = 0  # the index of the next step to run
    state: JobState = JobState.QUEUED
    #: Who must answer now: a doctor id, :data:`ADMINS`, or ``None`` (nobody yet).
    offered_to: int | None = None
    deadline: datetime | None = None
    #: Doctors who declined the booking or let it lapse; it is not offered to them again.
    passed: list[int] = field(default_factory=list)
    id: int | None = None

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.DEAD)

    def advance(self, now: datetime) -> None:
        """The current step is done: the next one runs at once."""
        self.step += 1
        self.offered_to = self.deadline = None
        self.wait(now)

    def wait(self, until: datetime) -> None:
        """Queued again, due at ``until`` (out of a worker's hands once saved)."""
        self.state = JobState.QUEUED
        self.due = until

    def finish(self) -> None:
        self.state = JobState.DONE
        self.offered_to = self.deadline = None


@dataclass(frozen=True, slots=True)
class Advance:
    """The step is done; go on to the next."""


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do before ``until``, unless someone's answer wakes the job sooner."""

    until: datetime


@dataclass(frozen=True, slots=True)
class Reject:
    reason: Reason


Outcome = Advance | Wait | Reject


class Step(Protocol):
    """One stage of a country's processing. ``run`` is idempotent: the worker stores its
    effects and the job's progress in one transaction, or neither."""

    @property
    def name(self) -> str: ...

    async def run(self, ctx: StepContext) -> Outcome: ...

    async def undo(self, ctx: StepContext) -> None:
        """Take back what ``run`` did that the booking's own undo does not."""
        ...


@dataclass(frozen=True, slots=True)
class Processing:
    """A country's steps, in order. With none, a booking is assigned at once."""

    steps: tuple[Step, ...]


def response_deadline(
    now: datetime, start: datetime, within: timedelta, before_visit: timedelta
) -> datetime:
    """``within`` from now, and never later than ``before_visit`` before the visit; but
    at least :data:`MIN_RESPONSE` from now, and never after the visit begins."""
    deadline = min(now + within, start - before_visit)
    return min(max(deadline, now + MIN_RESPONSE), start)
