"""Admins add and edit doctors (name, specialties, location, visit length), and
deactivate or reactivate them. A doctor is never deleted: their history stays.

Hours and time off are :mod:`domain.usecases.hours`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from domain.actors import Actor
from domain.audit import Action
from domain.entities import Doctor
from domain.errors import InvalidSetup, NotFound
from domain.ports import Deps, UnitOfWork
from domain.schedule import DayHours, WorkingPlan
from domain.usecases.catalog import clean_name
from domain.usecases.invitations import check_admin
from domain.usecases.shared import audit
from domain.working_hours import check_day

MIN_VISIT, MAX_VISIT = 5, 480  # minutes, as in the set-up file


@dataclass(frozen=True, slots=True)
class DoctorCommand:
    """A new doctor (``doctor_id`` None, ``weekly`` required) or an existing one's details."""

    name: str
    specialty_ids: tuple[int, ...]
    location_id: int
    visit_minutes: int
    weekly: dict[int, DayHours] | None = None  # a new doctor's hours; edits keep theirs
    doctor_id: int | None = None


async def save_doctor(deps: Deps, actor: Actor, command: DoctorCommand) -> Doctor:
    check_admin(actor)
    name = clean_name(command.name)
    require_specialty(command.specialty_ids)
    if not MIN_VISIT <= command.visit_minutes <= MAX_VISIT:
        raise InvalidSetup("visit_length")
    async with deps.uow() as uow:
        country = await _location_country(uow, command.location_id)
        known = {s.id for s in await uow.specialties.list_all()}
        if not set(command.specialty_ids) <= known:
            raise NotFound("specialty")
        doctors = await uow.doctors.list_all()
        if any(
            d.full_name.casefold() == name.casefold()
            and d.country == country
            and d.id != command.doctor_id
            for d in doctors
        ):
            raise InvalidSetup("duplicate_doctor")
        specialty_ids = tuple(sorted(set(command.specialty_ids)))
        visit = timedelta(minutes=command.visit_minutes)
        if command.doctor_id is None:
            if not command.weekly:
                raise InvalidSetup("no_hours")
            weekly = {day: check_day(hours) for day, hours in command.weekly.items()}
            new = Doctor(None, name, country, specialty_ids, WorkingPlan(weekly), visit)
            new.location_id = command.location_id
            doctor = await uow.doctors.add(new)
            action = Action.DOCTOR_ADDED
        else:
            old = next((d for d in doctors if d.id == command.doctor_id), None)
            if old is None:
                raise NotFound("doctor")
            doctor = replace(
                old,
                full_name=name,
                country=country,
                specialty_ids=specialty_ids,
                slot_length=visit,
                location_id=command.location_id,
            )
            await uow.doctors.save(doctor)
            action = Action.DOCTOR_CHANGED
        await audit(uow, deps, actor, action, ("doctor", doctor.id))
        await uow.commit()
    return doctor


def require_specialty(specialty_ids: tuple[int, ...]) -> None:
    """A doctor sees patients in at least one specialty."""
    if not specialty_ids:
        raise InvalidSetup("no_specialty")


async def set_active(deps: Deps, actor: Actor, doctor_id: int, *, active: bool) -> Doctor:
    """Deactivate (no new bookings; booked visits stay) or reactivate a doctor."""
    check_admin(actor)
    async with deps.uow() as uow:
        old = await uow.doctors.get(doctor_id)
        if old is None:
            raise NotFound("doctor")
        doctor = replace(old, active=active)
        await uow.doctors.save(doctor)
        action = Action.DOCTOR_REACTIVATED if active else Action.DOCTOR_DEACTIVATED
        await audit(uow, deps, actor, action, ("doctor", doctor_id))
        await uow.commit()
    return doctor


async def _location_country(uow: UnitOfWork, location_id: int) -> str:
    location = next((loc for loc in await uow.locations.list_all() if loc.id == location_id), None)
    if location is None:
        raise NotFound("location")
    return location.country
