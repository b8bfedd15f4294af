"""The steps a country's processing is made of (``domain.processing``).

* :class:`Checks`: the booking still holds (doctor active, patient known, time open).
* :class:`Confirm`: a doctor, or the clinic's admins, must accept before a deadline;
  on a decline or no answer the booking goes to another free doctor of the specialty,
  if the country allows it, else it is rejected.
* :class:`Assign`: the booking is confirmed without anyone's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.actors import Role
from domain.audit import Action
from domain.processing import ADMINS, Advance, Outcome, Reason, Reject, Wait, response_deadline
from domain.status import Status
from domain.usecases.processing import StepContext


@dataclass(frozen=True, slots=True)
class Checks:
    """The doctor is still active and practises the specialty, the patient is still
    registered, and the time is still within the doctor's hours and not yet begun."""

    name: str = "checks"

    async def run(self, ctx: StepContext) -> Outcome:
        appointment, doctor = ctx.appointment, ctx.doctor
        if (
            ctx.patient is None
            or doctor is None
            or not doctor.active
            or appointment.specialty_id not in doctor.specialty_ids
            or appointment.start <= ctx.now
            or not await ctx.fits(doctor)
        ):
            return Reject(Reason.CHECK_FAILED)
        await ctx.record(Action.CHECKED, reason=self.name)
        return Advance()

    async def undo(self, ctx: StepContext) -> None:
        """Checking changed nothing."""


@dataclass(frozen=True, slots=True)
class Confirm:
    """Someone must accept the booking: its doctor (``by=Role.DOCTOR``) or the clinic's
    admins (``by=Role.ADMIN``). The booking is ``pending`` while it waits.

    The answer is due ``within`` of the offer, and never later than ``before_visit``
    before the visit. A doctor who is not linked to Telegram is answered for by the
    admins. With ``reassign``, a decline or a lapse offers the booking to another
    active doctor of the specialty who is free at that time.
    """

    by: Role = Role.DOCTOR
    within: timedelta = timedelta(hours=2)
    before_visit: timedelta = timedelta(hours=1)
    reassign: bool = True
    name: str = "confirm"

    async def run(self, ctx: StepContext) -> Outcome:
        job, appointment = ctx.job, ctx.appointment
        if appointment.status is Status.ASSIGNED:  # accepted while the job slept
            return Advance()
        if job.offered_to is None:
            return await self._offer(ctx)
        if job.offered_to not in job.passed:
            if job.deadline is not None and ctx.now < job.deadline:
                return Wait(job.deadline)
            await ctx.lapse()
        if job.offered_to == ADMINS:
            return Reject(Reason.DECLINED if ctx.declined else Reason.NO_RESPONSE)
        if self.reassign:
            colleague = await ctx.free_colleague(job.passed)
            if colleague is not None:
                await ctx.reassign(colleague)
                return await self._offer(ctx)
        return Reject(Reason.DECLINED if ctx.declined else Reason.NO_RESPONSE)

    async def _offer(self, ctx: StepContext) -> Outcome:
        deadline = response_deadline(ctx.now, ctx.appointment.start, self.within, self.before_visit)
        doctor = ctx.doctor
        answers = ADMINS
        if self.by is Role.DOCTOR and doctor is not None and doctor.telegram_user_id:
            answers = doctor.id or ADMINS
        await ctx.offer(answers, deadline)
        return Wait(deadline)

    async def undo(self, ctx: StepContext) -> None:
        """Whoever still holds the offer is told it is withdrawn."""
        await ctx.withdraw_offer()


@dataclass(frozen=True, slots=True)
class Assign:
    """The booking is confirmed by the clinic's rules alone."""

    name: str = "assign"

    async def run(self, ctx: StepContext) -> Outcome:
        if ctx.appointment.status is not Status.ASSIGNED:
            await ctx.assign()
        return Advance()

    async def undo(self, ctx: StepContext) -> None:
        """Nothing to take back: an assigned booking is never rejected."""
