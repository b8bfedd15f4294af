"""Cancelling a visit: patients their own, inside their country's window; staff any."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor, check_movable
from domain.audit import status_action
from domain.entities import Appointment
from domain.errors import ConcurrentChange
from domain.ports import Deps, UnitOfWork
from domain.status import Status
from domain.usecases.shared import announce, audit_appointment, visible_appointment


@dataclass(frozen=True, slots=True)
class CancelCommand:
    appointment_id: uuid.UUID
    reason: str = ""


async def cancel(deps: Deps, actor: Actor, command: CancelCommand) -> Appointment:
    """Cancel a visit. When its processing changed it between our read and our write (a
    booking becoming ``pending`` or ``assigned`` in its first moments), the cancellation
    reads it again and retries once: the person asked to cancel the visit, not that
    version of it. A visit that was cancelled or rejected meanwhile stays refused."""
    try:
        return await _cancel(deps, actor, command)
    except ConcurrentChange:
        return await _cancel(deps, actor, command)


async def _cancel(deps: Deps, actor: Actor, command: CancelCommand) -> Appointment:
    now = deps.clock.now()
    async with deps.uow() as uow:
        appointment = await visible_appointment(uow, actor, command.appointment_id)
        if appointment.is_active:
            check_movable(actor, appointment, now)
        await call_off(uow, deps, actor, appointment, now=now, reason=command.reason)
        await uow.commit()
    return appointment


async def call_off(
    uow: UnitOfWork,
    deps: Deps,
    actor: Actor,
    appointment: Appointment,
    *,
    now: datetime,
    reason: str = "",
    tell_patient: bool = True,
) -> None:
    """Cancel the appointment in ``uow``'s transaction: its history, the notices the
    people concerned get (the patient's only with ``tell_patient``; an erased person has
    no chat left) and its audit entry. Raises ``InvalidTransition`` for a finished one."""
    appointment.move_to(Status.CANCELLED, at=now, actor=str(actor), reason=reason)
    await uow.appointments.save(appointment)
    patient = await uow.patients.get(appointment.patient_id) if tell_patient else None
    doctor = await uow.doctors.get(appointment.doctor_id)
    await announce(uow, deps, actor, appointment, people=(patient, doctor), now=now)
    await audit_appointment(uow, deps, actor, status_action(appointment.status), appointment)
