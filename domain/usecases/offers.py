"""A doctor, or an admin, answers a booking that waits for them (``domain.steps.Confirm``).

Accepting assigns the booking at once. Declining records the reason and wakes the
booking's job, which offers it to another free doctor or rejects it. An old button
is checked again: a booking cancelled, answered or passed on meanwhile says so and
changes nothing; of two doctors accepting at once, the first to commit wins and the
other's transaction meets :class:`~domain.errors.ConcurrentChange`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.actors import Actor, Role
from domain.audit import Action
from domain.entities import Appointment
from domain.errors import NotAllowed, NotFound, OfferClosed
from domain.ports import Deps
from domain.processing import ADMINS
from domain.status import Status
from domain.usecases.processing import DECLINED_BY, step_context

REASON_LENGTH = 200


@dataclass(frozen=True, slots=True)
class AnswerCommand:
    appointment_id: uuid.UUID
    accept: bool
    reason: str = ""  # a decline's, in the doctor's words or a common reason's key


async def answer(deps: Deps, actor: Actor, command: AnswerCommand) -> Appointment:
    """Accept or decline the booking the actor was asked to confirm."""
    if actor.role not in (Role.DOCTOR, Role.ADMIN, Role.API):
        raise NotAllowed("only doctors, admins and the clinic's system answer bookings")
    now = deps.clock.now()
    async with deps.uow() as uow:
        appointment = await uow.appointments.get(command.appointment_id)
        job = await uow.jobs.for_appointment(command.appointment_id)
        if appointment is None or job is None:
            raise NotFound("appointment")
        holder = job.offered_to
        mine = holder == actor.id if actor.role is Role.DOCTOR else True
        if not mine and appointment.doctor_id != actor.id and actor.id not in job.passed:
            raise NotFound("appointment")  # never theirs: looks missing, like others' visits
        if appointment.status is Status.CANCELLED:
            raise OfferClosed("cancelled")
        if not appointment.is_active:  # rejected: it waits for nobody any more
            raise OfferClosed("passed")
        if appointment.status is Status.ASSIGNED or job.finished:
            raise OfferClosed("answered")
        if not mine or holder is None or holder in job.passed:
            raise OfferClosed("passed")
        ctx = await step_context(uow, deps, job, appointment, now, actor=actor)
        if command.accept:
            await ctx.assign()
            job.advance(now)  # the worker finishes what steps remain
        else:
            job.passed.append(holder if holder is not None else ADMINS)
            reason = command.reason.strip()[:REASON_LENGTH]
            await ctx.record(Action.DECLINED, reason=f"{DECLINED_BY} {actor}: {reason}")
            job.wait(now)  # the worker offers it on, or rejects it, at once
        await uow.appointments.save(appointment)
        await uow.notifications.add(ctx.messages)
        await uow.jobs.save(job)
        await uow.commit()
    return appointment
