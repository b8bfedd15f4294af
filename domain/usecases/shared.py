"""Steps several use cases share: loading what an actor may act on, queueing a plan,
writing the audit entry."""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.actors import Actor, check_visible
from domain.audit import AuditEntry
from domain.calendar_files import Method, Place, calendar_due, calendar_file
from domain.countries import get_country
from domain.entities import Appointment, Doctor, Location, Patient
from domain.errors import NotFound
from domain.notifications import Change, Kind, Notification, Plan, after_quiet_hours, plan
from domain.ports import Deps, UnitOfWork


async def active_doctor(uow: UnitOfWork, doctor_id: int) -> Doctor:
    doctor = await uow.doctors.get(doctor_id)
    if doctor is None or not doctor.active:
        raise NotFound("doctor")
    return doctor


async def visible_appointment(
    uow: UnitOfWork, actor: Actor, appointment_id: uuid.UUID
) -> Appointment:
    """The appointment, if ``actor`` may see it; others' look like missing ones."""
    appointment = await uow.appointments.get(appointment_id)
    if appointment is None:
        raise NotFound("appointment")
    check_visible(actor, appointment)
    return appointment


async def save_status(
    uow: UnitOfWork, deps: Deps, actor: Actor, appointment: Appointment, now: datetime
) -> None:
    """Store the appointment's new status and queue what the people concerned must hear."""
    await uow.appointments.save(appointment)
    patient = await uow.patients.get(appointment.patient_id)
    doctor = await uow.doctors.get(appointment.doctor_id)
    await announce(uow, deps, actor, appointment, people=(patient, doctor), now=now)


async def announce(
    uow: UnitOfWork,
    deps: Deps,
    actor: Actor,
    appointment: Appointment,
    *,
    people: tuple[Patient | None, Doctor | None],
    now: datetime,
    moved: bool = False,
) -> None:
    """Plan what the change means for the people concerned, with the clinic's phone, and
    queue it, in the change's own transaction."""
    patient, doctor = people
    phone = await clinic_phone(uow, doctor)
    change = Change(appointment, actor, patient, doctor, now, moved, deps.reminder_offsets, phone)
    planned = plan(change)
    planned.notifications += await calendar_files(
        uow, appointment, people=people, now=now, moved=moved
    )
    await queue(uow, appointment, planned)


async def calendar_files(
    uow: UnitOfWork,
    appointment: Appointment,
    *,
    people: tuple[Patient | None, Doctor | None],
    now: datetime,
    moved: bool = False,
) -> list[Notification]:
    """The patient's calendar file, if the change calls for one: whoever acted, since the
    patient's calendar must follow. A move's waits for the morning like its message."""
    patient, doctor = people
    method = calendar_due(appointment, moved=moved)
    if patient is None or method is None:
        return []
    zone = get_country(appointment.country).timezone
    due = after_quiet_hours(now, zone) if moved and method is Method.REQUEST else now
    return [await calendar_row(uow, appointment, (patient, doctor), method, due_at=due)]


async def calendar_row(
    uow: UnitOfWork,
    appointment: Appointment,
    people: tuple[Patient, Doctor | None],
    method: Method,
    *,
    due_at: datetime,
) -> Notification:
    """The row that sends the patient the visit's file as it stands: its place, its
    specialty and its doctor."""
    patient, doctor = people
    location = await clinic_location(uow, doctor)
    specialty = {s.id: s for s in await uow.specialties.list_all()}.get(appointment.specialty_id)
    place = Place(
        name=location.name if location else "",
        address=location.address if location else "",
        phone=location.phone if location else "",
        specialty_es=specialty.name_es if specialty else "",
        specialty_en=specialty.name_en if specialty else "",
    )
    name = doctor.full_name if doctor else ""
    return calendar_file(
        appointment, patient.telegram_user_id, method, place, doctor=name, due_at=due_at
    )


async def clinic_location(uow: UnitOfWork, doctor: Doctor | None) -> Location | None:
    """The doctor's location, whose address and phone patients are given."""
    if doctor is None or doctor.location_id is None:
        return None
    return {loc.id: loc for loc in await uow.locations.list_all()}.get(doctor.location_id)


async def clinic_phone(uow: UnitOfWork, doctor: Doctor | None) -> str:
    """The phone of the doctor's location, which patients are given to call; or ""."""
    place = await clinic_location(uow, doctor)
    return place.phone if place else ""


async def queue(uow: UnitOfWork, appointment: Appointment, planned: Plan) -> None:
    """Apply a notification plan in the change's own transaction."""
    if planned.withdraw_reminders:
        await uow.notifications.withdraw(appointment.id, Kind.REMINDER)
    if planned.retime:
        # A status message still waiting for the morning must not name the old time.
        await uow.notifications.retime(appointment.id, appointment.start)
    await uow.notifications.add(planned.notifications)


async def audit(
    uow: UnitOfWork,
    deps: Deps,
    actor: Actor,
    action: str,
    record: tuple[str, object],
    *,
    patient_id: int | None = None,
) -> None:
    """Append who did ``action`` to ``record`` to the audit, in ``uow``'s transaction."""
    entry = AuditEntry.of(
        actor, action, record, at=deps.clock.now(), source=deps.source, patient_id=patient_id
    )
    await uow.audit.append(entry)


async def audit_appointment(
    uow: UnitOfWork, deps: Deps, actor: Actor, action: str, appointment: Appointment
) -> None:
    await audit(
        uow, deps, actor, action, ("appointment", appointment.id), patient_id=appointment.patient_id
    )
