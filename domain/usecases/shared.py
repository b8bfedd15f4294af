"""Steps several use cases share: loading what an actor may act on, queueing a plan,
writing the audit entry."""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.actors import Actor, check_visible
from domain.audit import AuditEntry
from domain.entities import Appointment, Doctor, Patient
from domain.errors import NotFound
from domain.notifications import Change, Kind, Plan, plan
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
    await queue(uow, appointment, plan(change))


async def clinic_phone(uow: UnitOfWork, doctor: Doctor | None) -> str:
    """The phone of the doctor's location, which patients are given to call; or ""."""
    if doctor is None or doctor.location_id is None:
        return ""
    place = {loc.id: loc for loc in await uow.locations.list_all()}.get(doctor.location_id)
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
