"""Admins change a doctor's weekly hours; admins, and the doctor themselves, add and
remove time off (a doctor's blocks: ``domain.blocks``). Nothing strands anyone silently.

Each change returns the doctor's active visits from now on that no longer fit the new
plan (:func:`outside_hours`). They are kept until whoever made the change decides: keep
each, or cancel it with a reason through :func:`domain.usecases.cancellation.cancel`,
which tells the patient. A visit already under way or past is not listed: it cannot be
moved any more.

Time off a doctor adds is marked ``by_doctor`` from the actor, never from the data; a
doctor removes only such time off, an admin any.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.actors import Actor, Role
from domain.audit import Action
from domain.countries import get_country
from domain.entities import Appointment, Doctor
from domain.errors import InvalidSetup, NotAllowed, NotFound
from domain.ports import Deps, UnitOfWork
from domain.schedule import DayHours, TimeOff
from domain.usecases.invitations import check_admin
from domain.usecases.shared import audit
from domain.working_hours import check_day, fits

#: How far ahead a change of hours looks for visits it strands (beyond any horizon).
LOOK_AHEAD = timedelta(days=800)


async def set_hours(
    deps: Deps, actor: Actor, doctor_id: int, weekly: dict[int, DayHours]
) -> list[Appointment]:
    """The doctor works ``weekly`` from now on; the active visits outside it, soonest first."""
    check_admin(actor)
    checked = {day: check_day(hours) for day, hours in weekly.items()}
    async with deps.uow() as uow:
        doctor = await _doctor(uow, doctor_id)
        doctor = replace(doctor, plan=replace(doctor.plan, weekly=checked))
        await uow.doctors.save(doctor)
        await audit(uow, deps, actor, Action.HOURS_CHANGED, ("doctor", doctor_id))
        stranded = await _outside(uow, deps, doctor)
        await uow.commit()
    return stranded


def check_keeps_time_off(actor: Actor, doctor_id: int) -> None:
    """Admins (and the system) keep any doctor's time off; a doctor only their own."""
    if actor.role is Role.DOCTOR and actor.id == doctor_id:
        return
    check_admin(actor)


async def add_time_off(deps: Deps, actor: Actor, doctor_id: int, off: TimeOff) -> list[Appointment]:
    """The doctor is away during ``off``; the active visits that no longer fit."""
    check_keeps_time_off(actor, doctor_id)
    if off.end <= deps.clock.now():
        raise InvalidSetup("time_off_past")
    off = replace(off, by_doctor=actor.role is Role.DOCTOR)
    async with deps.uow() as uow:
        doctor = await _doctor(uow, doctor_id)
        plan = replace(doctor.plan, time_off=(*doctor.plan.time_off, off))
        doctor = replace(doctor, plan=plan)
        await uow.doctors.save(doctor)
        await audit(uow, deps, actor, Action.TIME_OFF_ADDED, ("doctor", doctor_id))
        stranded = await _outside(uow, deps, doctor)
        await uow.commit()
    return stranded


async def remove_time_off(
    deps: Deps, actor: Actor, doctor_id: int, start: datetime, end: datetime
) -> None:
    """The doctor is no longer away from ``start`` to ``end``: its slots are offered again.

    Only time off that has not ended; a doctor removes only what they blocked themselves.
    """
    check_keeps_time_off(actor, doctor_id)
    now = deps.clock.now()
    async with deps.uow() as uow:
        doctor = await _doctor(uow, doctor_id)
        found = [o for o in doctor.plan.time_off if (o.start, o.end) == (start, end)]
        if not found or end <= now:
            raise NotFound("time_off")
        if actor.role is Role.DOCTOR and not found[0].by_doctor:
            raise NotAllowed("the clinic's time off")
        kept = tuple(o for o in doctor.plan.time_off if o is not found[0])
        await uow.doctors.save(replace(doctor, plan=replace(doctor.plan, time_off=kept)))
        await audit(uow, deps, actor, Action.TIME_OFF_REMOVED, ("doctor", doctor_id))
        await uow.commit()


async def schedule_of(deps: Deps, actor: Actor, doctor_id: int) -> Doctor:
    """The doctor with their plan, for whoever keeps their time off (``upcoming`` of its
    plan lists what has not ended)."""
    check_keeps_time_off(actor, doctor_id)
    async with deps.uow(read_only=True) as uow:
        return await _doctor(uow, doctor_id)


async def outside_hours(deps: Deps, actor: Actor, doctor_id: int) -> list[Appointment]:
    """The doctor's active visits from now on that their plan no longer holds."""
    check_keeps_time_off(actor, doctor_id)
    async with deps.uow(read_only=True) as uow:
        return await _outside(uow, deps, await _doctor(uow, doctor_id))


async def _outside(uow: UnitOfWork, deps: Deps, doctor: Doctor) -> list[Appointment]:
    now = deps.clock.now()
    zone = get_country(doctor.country).timezone
    booked = await uow.appointments.active_for_doctor(doctor.id or 0, now, now + LOOK_AHEAD)
    later = [a for a in booked if a.start > now and not fits(a, doctor.plan, zone)]
    return sorted(later, key=lambda a: a.start)


async def _doctor(uow: UnitOfWork, doctor_id: int) -> Doctor:
    doctor = await uow.doctors.get(doctor_id)
    if doctor is None:
        raise NotFound("doctor")
    return doctor
