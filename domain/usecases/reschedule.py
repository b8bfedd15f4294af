"""Rescheduling: an active visit moves to another free slot of the same doctor.

The reference and the status stay; why an accepted visit stays accepted is in
docs/architecture.md ("Rescheduling").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor, check_movable
from domain.audit import Action
from domain.availability import is_free
from domain.countries import get_country
from domain.entities import Appointment
from domain.errors import PatientOverlap, SlotTaken, SlotUnavailable
from domain.ports import Deps
from domain.usecases.shared import (
    active_doctor,
    announce,
    audit_appointment,
    visible_appointment,
)


@dataclass(frozen=True, slots=True)
class RescheduleCommand:
    appointment_id: uuid.UUID
    new_start: datetime


async def reschedule(deps: Deps, actor: Actor, command: RescheduleCommand) -> Appointment:
    """Move the visit, or raise what stops it.

    The old time obeys the cancellation window (``check_movable``); the new one the
    hours, holidays, lead time and horizon (``SlotUnavailable``), the doctor's other
    visits (``SlotTaken``, also from the unique index on a lost race) and the
    patient's (``PatientOverlap``). Reminders are planned anew in the same transaction.
    """
    now = deps.clock.now()
    new_start = command.new_start
    async with deps.uow() as uow:
        appointment = await visible_appointment(uow, actor, command.appointment_id)
        check_movable(actor, appointment, now)
        doctor = await active_doctor(uow, appointment.doctor_id)
        patient = await uow.patients.get(appointment.patient_id)
        slot = is_free(doctor, get_country(doctor.country), new_start, [], now)
        if slot is None or slot.start == appointment.start:
            raise SlotUnavailable(new_start.isoformat())
        clashes = await uow.appointments.clashes(
            appointment.doctor_id, appointment.patient_id, slot.start, slot.end
        )
        others = [other for other in clashes if other.id != appointment.id]
        if any(other.doctor_id == appointment.doctor_id for other in others):
            raise SlotTaken(new_start.isoformat())
        if others:
            raise PatientOverlap(new_start.isoformat())
        appointment.move_time(slot.start, slot.end, at=now, actor=str(actor))
        await uow.appointments.save(appointment)
        await announce(uow, deps, actor, appointment, people=(patient, doctor), now=now, moved=True)
        await audit_appointment(uow, deps, actor, Action.RESCHEDULED, appointment)
        await uow.commit()
    return appointment
