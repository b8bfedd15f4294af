"""Status changes made by staff or the system: confirm, reject, complete, no-show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.actors import Actor, Role
from domain.agenda import check_markable
from domain.audit import status_action
from domain.entities import Appointment
from domain.errors import NotAllowed
from domain.ports import Deps
from domain.status import Status
from domain.usecases.shared import audit_appointment, save_status, visible_appointment


@dataclass(frozen=True, slots=True)
class StatusCommand:
    appointment_id: uuid.UUID
    target: Status
    reason: str = ""


async def change_status(deps: Deps, actor: Actor, command: StatusCommand) -> Appointment:
    """Move an appointment along the status table (``domain.status``)."""
    if actor.role in (Role.PATIENT, Role.GUEST):
        raise NotAllowed("patients only cancel")
    async with deps.uow() as uow:
        appointment = await visible_appointment(uow, actor, command.appointment_id)
        now = deps.clock.now()
        check_markable(actor, appointment, command.target, now)
        appointment.move_to(command.target, at=now, actor=str(actor), reason=command.reason)
        await save_status(uow, deps, actor, appointment, now)
        await audit_appointment(uow, deps, actor, status_action(appointment.status), appointment)
        await uow.commit()
    return appointment
