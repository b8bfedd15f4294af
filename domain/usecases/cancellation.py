"""Cancelling a visit: patients their own, inside their country's window; staff any."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.actors import Actor, check_movable
from domain.audit import status_action
from domain.entities import Appointment
from domain.ports import Deps
from domain.status import Status
from domain.usecases.shared import audit_appointment, save_status, visible_appointment


@dataclass(frozen=True, slots=True)
class CancelCommand:
    appointment_id: uuid.UUID
    reason: str = ""


async def cancel(deps: Deps, actor: Actor, command: CancelCommand) -> Appointment:
    now = deps.clock.now()
    async with deps.uow() as uow:
        appointment = await visible_appointment(uow, actor, command.appointment_id)
        if appointment.is_active:
            check_movable(actor, appointment, now)
        appointment.move_to(Status.CANCELLED, at=now, actor=str(actor), reason=command.reason)
        await save_status(uow, deps, actor, appointment, now)
        await audit_appointment(uow, deps, actor, status_action(appointment.status), appointment)
        await uow.commit()
    return appointment
