"""Read-only queries a patient needs while booking: specialties, doctors, free days and times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.availability import Busy, Slot, free_slots, local_window
from domain.countries import get_country
from domain.entities import Appointment, Doctor, Specialty
from domain.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class DoctorSlot:
    doctor_id: int
    slot: Slot


async def specialties_in(uow: UnitOfWork, country: str) -> list[Specialty]:
    async with uow:
        return await uow.specialties.list_for_country(country)


async def doctors_for(uow: UnitOfWork, country: str, specialty_id: int) -> list[Doctor]:
    async with uow:
        return [d for d in await uow.doctors.list_for(country, specialty_id) if d.active]


@dataclass(frozen=True, slots=True)
class SlotQuery:
    country: str
    specialty_id: int
    doctor_id: int | None  # None: any doctor of the specialty ("first available")
    first_day: date
    last_day: date


async def open_slots(uow: UnitOfWork, clock: Clock, query: SlotQuery) -> list[DoctorSlot]:
    """Free slots of one doctor, or of every doctor of the specialty.

    With several doctors, each time is offered once, by the doctor listed first.
    """
    rules = get_country(query.country)
    first_day, last_day = query.first_day, query.last_day
    start, end = local_window(rules, first_day, last_day)
    now = clock.now()
    async with uow:
        doctors = await uow.doctors.list_for(query.country, query.specialty_id)
        doctors = [d for d in doctors if d.active]
        if query.doctor_id is not None:
            doctors = [d for d in doctors if d.id == query.doctor_id]
        spans = await uow.appointments.busy_for_doctors([d.id or 0 for d in doctors], start, end)
    found: dict[object, DoctorSlot] = {}
    for doctor in doctors:
        busy = [Busy(*span) for span in spans[doctor.id or 0]]
        for slot in free_slots(doctor, rules, first_day, last_day, busy=busy, now=now):
            found.setdefault(slot.start, DoctorSlot(doctor.id or 0, slot))
    return sorted(found.values(), key=lambda s: s.slot.start)


async def upcoming_appointments(
    uow: UnitOfWork, clock: Clock, patient_id: int
) -> list[tuple[Appointment, Doctor | None]]:
    """A patient's appointments from now on, with their doctors, soonest first."""
    async with uow:
        appointments = await uow.appointments.upcoming_for_patient(patient_id, clock.now())
        doctors = {d: await uow.doctors.get(d) for d in {a.doctor_id for a in appointments}}
    return [(a, doctors[a.doctor_id]) for a in appointments]
