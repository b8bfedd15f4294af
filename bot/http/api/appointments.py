"""Appointments: book, list, read, and change their status, through the bot's use cases."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from bot.http.api.operations import Call, Operation
from bot.http.api.schemas import (
    AppointmentOut,
    AppointmentPage,
    AppointmentQuery,
    BookIn,
    CancelIn,
    MoveIn,
    NoBody,
    ReferencePath,
)
from domain.api_access import Scope
from domain.appointment_lines import parse_reference
from domain.appointment_search import (
    AppointmentSearch,
    Cursor,
    appointment_id_for,
    search_appointments,
)
from domain.errors import NotFound
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.lookup import find_appointments
from domain.usecases.offers import AnswerCommand, answer
from domain.usecases.reschedule import RescheduleCommand, reschedule
from domain.usecases.status import StatusCommand, change_status


async def list_appointments(call: Call) -> AppointmentPage:
    q = call.query_as(AppointmentQuery)
    page = await search_appointments(
        call.deps,
        call.caller.actor,
        AppointmentSearch(
            first_day=q.first_day,
            last_day=q.last_day,
            patient_id=q.patient_id,
            doctor_id=q.doctor_id,
            location_id=q.location_id,
            country=q.country,
            status=q.status,
            after=Cursor.decode(q.cursor) if q.cursor else None,
            limit=q.limit,
        ),
    )
    return AppointmentPage(
        items=[AppointmentOut.of(a) for a in page.appointments],
        next_cursor=page.next.encode() if page.next else None,
    )


async def book_appointment(call: Call) -> AppointmentOut:
    body = call.body_as(BookIn)
    command = BookCommand(body.doctor_id, body.specialty_id, body.start, body.patient_id)
    return AppointmentOut.of(await book(call.deps, call.caller.actor, command))


async def get_appointment(call: Call) -> AppointmentOut:
    """Opening one is audited, as an admin's is in the bot."""
    reference = call.path_as(ReferencePath).reference
    if parse_reference(reference) is None:  # else the search would read a national ID
        raise NotFound("appointment")
    found = await find_appointments(call.deps, call.caller.actor, reference)
    return AppointmentOut.of(found.lines[0].appointment)


async def cancel_appointment(call: Call) -> AppointmentOut:
    target = await _target(call)
    reason = call.body_as(CancelIn).reason
    return AppointmentOut.of(
        await cancel(call.deps, call.caller.actor, CancelCommand(target, reason))
    )


async def confirm_appointment(call: Call) -> AppointmentOut:
    """Accept a booking that waits for the clinic's answer, as an admin's Accept does; a
    booking with no processing job (made before processing existed) is assigned."""
    target = await _target(call)
    try:
        return AppointmentOut.of(
            await answer(call.deps, call.caller.actor, AnswerCommand(target, accept=True))
        )
    except NotFound:
        command = StatusCommand(target, Status.ASSIGNED)
        return AppointmentOut.of(await change_status(call.deps, call.caller.actor, command))


async def complete_appointment(call: Call) -> AppointmentOut:
    return await _mark(call, Status.COMPLETED)


async def no_show_appointment(call: Call) -> AppointmentOut:
    return await _mark(call, Status.NO_SHOW)


async def move_appointment(call: Call) -> AppointmentOut:
    target = await _target(call)
    command = RescheduleCommand(target, call.body_as(MoveIn).start)
    return AppointmentOut.of(await reschedule(call.deps, call.caller.actor, command))


async def _mark(call: Call, status: Status) -> AppointmentOut:
    command = StatusCommand(await _target(call), status)
    return AppointmentOut.of(await change_status(call.deps, call.caller.actor, command))


async def _target(call: Call) -> uuid.UUID:
    return await appointment_id_for(
        call.deps, call.caller.actor, call.path_as(ReferencePath).reference
    )


def _action(
    op_id: str,
    name: str,
    summary: str,
    run: Callable[[Call], Awaitable[AppointmentOut]],
    body: type[BaseModel] = NoBody,
) -> Operation:
    return Operation(
        op_id, "POST", f"/appointments/{{reference}}/{name}", summary, Scope.WRITE, run,
        AppointmentOut, path_model=ReferencePath, body=body, tag="appointments",
    )  # fmt: skip


OPERATIONS = [
    Operation(
        "listAppointments", "GET", "/appointments",
        "Appointments starting in a range of UTC days, filtered, a page at a time",
        Scope.READ, list_appointments, AppointmentPage, query=AppointmentQuery,
        tag="appointments",
    ),
    Operation(
        "bookAppointment", "POST", "/appointments",
        "Book a free slot for a patient (send an Idempotency-Key to retry safely)",
        Scope.WRITE, book_appointment, AppointmentOut, status=201, body=BookIn,
        tag="appointments",
    ),
    Operation(
        "getAppointment", "GET", "/appointments/{reference}",
        "One appointment by its reference, with its status history",
        Scope.READ, get_appointment, AppointmentOut, path_model=ReferencePath,
        tag="appointments",
    ),
    _action("cancelAppointment", "cancel", "Cancel", cancel_appointment, CancelIn),
    _action("confirmAppointment", "confirm", "Confirm (the clinic's Accept)", confirm_appointment),
    _action("completeAppointment", "complete", "Mark completed", complete_appointment),
    _action("noShowAppointment", "no-show", "Mark no-show", no_show_appointment),
    _action("moveAppointment", "move", "Move to another free slot of the same doctor",
            move_appointment, MoveIn),
]  # fmt: skip
