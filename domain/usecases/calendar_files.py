"""A patient asks for their confirmed visit's calendar file again (``/my``)."""

from __future__ import annotations

import uuid

from domain.actors import Actor
from domain.calendar_files import Method, asked_again
from domain.entities import Appointment
from domain.errors import InvalidTransition, NotFound
from domain.ports import Deps
from domain.status import Status
from domain.usecases.shared import calendar_row, visible_appointment


async def send_calendar_file_again(
    deps: Deps, actor: Actor, appointment_id: uuid.UUID
) -> Appointment:
    """Queue the acting patient's own confirmed visit's ``.ics`` once more, due now.

    It is the visit as it stands: the same UID and the SEQUENCE of its history, so a
    calendar updates the event it holds. Raises ``NotRegistered`` for anyone but a
    patient, ``NotFound`` for someone else's appointment and ``InvalidTransition`` for
    one not (or no longer) ``assigned``. Nothing about the visit changes, so nothing is
    audited.
    """
    actor.patient_id()
    now = deps.clock.now()
    async with deps.uow() as uow:
        appointment = await visible_appointment(uow, actor, appointment_id)
        if appointment.status is not Status.ASSIGNED:
            raise InvalidTransition(f"{appointment.status} is not confirmed")
        patient = await uow.patients.get(appointment.patient_id)
        if patient is None:
            raise NotFound("patient")
        doctor = await uow.doctors.get(appointment.doctor_id)
        row = await calendar_row(uow, appointment, (patient, doctor), Method.REQUEST, due_at=now)
        await uow.notifications.add([asked_again(row, now)])
        await uow.commit()
    return appointment
