"""A patient says "I'll attend" (the reminder's button): recorded once, for the doctor's
agenda and the admin's history to show."""

from __future__ import annotations

import uuid

from domain.actors import Actor
from domain.audit import Action
from domain.entities import Appointment
from domain.ports import Deps
from domain.usecases.shared import audit_appointment, visible_appointment


async def confirm_attendance(deps: Deps, actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """Record that the acting patient will attend their own active appointment.

    Raises ``NotRegistered`` for anyone but a patient, ``NotFound`` for someone else's
    appointment and ``InvalidTransition`` for one no longer active. A second tap records
    nothing more.
    """
    actor.patient_id()
    async with deps.uow() as uow:
        appointment = await visible_appointment(uow, actor, appointment_id)
        if appointment.confirm_attendance(at=deps.clock.now(), actor=str(actor)):
            await uow.appointments.save(appointment)
            await audit_appointment(uow, deps, actor, Action.WILL_ATTEND, appointment)
            await uow.commit()
    return appointment
