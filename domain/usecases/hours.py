"""Admins change a doctor's weekly hours and add time off; neither strands anyone silently.

Each returns the doctor's active visits from now on that no longer fit the new plan
(:func:`outside_hours`). They are kept until the admin decides: keep each, or cancel
it with a reason through :func:`domain.usecases.cancellation.cancel`, which tells the
patient. A visit already under way or past is not listed: it cannot be moved any more.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.actors import Actor
from domain.audit import Action
from domain.countries import get_country
from domain.entities import Appointment, Doctor
from domain.errors import NotFound
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


async def add_time_off(deps: Deps, actor: Actor, doctor_id: int, off: TimeOff) -> list[Appointment]:
    """The doctor is away during ``off``; the active visits that no longer fit."""
    check_admin(actor)
    async with deps.uow() as uow:
        doctor = await _doctor(uow, doctor_id)
        plan = replace(doctor.plan, time_off=(*doctor.plan.time_off, off))
        doctor = replace(doctor, plan=plan)
        await uow.doctors.save(doctor)
        await audit(uow, deps, actor, Action.TIME_OFF_ADDED, ("doctor", doctor_id))
        stranded = await _outside(uow, deps, doctor)
        await uow.commit()
    return stranded


async def outside_hours(deps: Deps, actor: Actor, doctor_id: int) -> list[Appointment]:
    """The doctor's active visits from now on that their plan no longer holds."""
    check_admin(actor)
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
