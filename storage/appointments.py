"""The appointments repository, with each appointment's status history."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, TextClause, bindparam, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.entities import Appointment, StatusChange
from domain.errors import ConcurrentChange, SlotTaken
from domain.status import Status
from storage.tables import ACTIVE_FILTER, SLOT_INDEX, appointment_status_changes, appointments
from storage.types import UTCDateTime

#: No appointment lasts longer; it bounds range scans on (doctor, starts_at).
LONGEST_APPOINTMENT = timedelta(hours=12)


def is_slot_conflict(error: IntegrityError) -> bool:
    """Whether ``error`` is the partial unique index on (doctor, start) firing."""
    text = str(error.orig)
    return SLOT_INDEX in text or "appointments.doctor_id, appointments.starts_at" in text


class SqlAppointments:
    """Appointments on one unit of work's connection.

    :meth:`save` is optimistic: it updates the row only if its status and
    start are still what this repository last read (or wrote) for it, and
    raises :class:`~domain.errors.ConcurrentChange` otherwise. Use cases read
    with a plain ``SELECT``; under PostgreSQL's READ COMMITTED another
    transaction may cancel, reject or move the appointment before the
    ``UPDATE``, which then waits for the row lock and re-checks its ``WHERE``
    against the committed row, so a stale copy never writes its status or
    time back. (SQLite's write units of work read inside ``BEGIN IMMEDIATE``,
    where this never fires.)
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._stored_history: dict[uuid.UUID, int] = {}
        #: Per appointment, the (status, start, doctor) the database held when this
        #: repository last read or wrote it: what :meth:`save` expects to find.
        self._stored_state: dict[uuid.UUID, tuple[Status, datetime, int]] = {}

    async def add(self, appointment: Appointment) -> None:
        try:
            await self._conn.execute(
                insert(appointments).values(
                    id=appointment.id,
                    reference=appointment.reference,
                    patient_id=appointment.patient_id,
                    doctor_id=appointment.doctor_id,
                    specialty_id=appointment.specialty_id,
                    country=appointment.country,
                    starts_at=appointment.start,
                    ends_at=appointment.end,
                    status=appointment.status.value,
                )
            )
        except IntegrityError as error:
            if is_slot_conflict(error):
                raise SlotTaken(appointment.start.isoformat()) from None
            raise
        self._stored_state[appointment.id] = _state(appointment)
        await self._insert_history(appointment)

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        return await self._with_history(appointments.c.id == appointment_id)

    async def get_by_reference(self, reference: str) -> Appointment | None:
        return await self._with_history(appointments.c.reference == reference)

    async def starting_between(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> list[Appointment]:
        if not doctor_ids:
            return []
        rows = await self._conn.execute(
            select(appointments)
            .where(
                appointments.c.doctor_id.in_(doctor_ids),  # the (doctor_id, starts_at) index
                appointments.c.starts_at >= start,
                appointments.c.starts_at < end,
            )
            .order_by(appointments.c.starts_at, appointments.c.doctor_id)
        )
        return [_from_row(r) for r in rows]

    async def _with_history(self, condition: ColumnElement[bool]) -> Appointment | None:
        row = (await self._conn.execute(select(appointments).where(condition))).first()
        if row is None:
            return None
        appointment = _from_row(row)
        changes = await self._conn.execute(
            select(appointment_status_changes)
            .where(appointment_status_changes.c.appointment_id == appointment.id)
            .order_by(appointment_status_changes.c.id)
        )
        appointment.history = [
            StatusChange(
                c.at,
                Status(c.from_status) if c.from_status else None,
                Status(c.to_status),
                c.actor,
                c.reason,
            )
            for c in changes
        ]
        self._stored_history[appointment.id] = len(appointment.history)
        self._stored_state[appointment.id] = _state(appointment)
        return appointment

    async def save(self, appointment: Appointment) -> None:
        """Write the appointment's status and time, if nobody changed them meanwhile.

        Raises :class:`~domain.errors.ConcurrentChange` when the row no longer
        has the status, start and doctor read by :meth:`get` (see the class docstring).
        An appointment this repository never read is updated unconditionally.
        """
        statement = update(appointments).where(appointments.c.id == appointment.id)
        expected = self._stored_state.get(appointment.id)
        if expected is not None:
            status, start, doctor_id = expected
            statement = statement.where(
                appointments.c.status == status.value,
                appointments.c.starts_at == start,
                appointments.c.doctor_id == doctor_id,
            )
        try:
            result = await self._conn.execute(
                statement.values(
                    status=appointment.status.value,
                    starts_at=appointment.start,
                    ends_at=appointment.end,
                    doctor_id=appointment.doctor_id,
                )
            )
        except IntegrityError as error:
            if is_slot_conflict(error):
                raise SlotTaken(appointment.start.isoformat()) from None
            raise
        if result.rowcount != 1:
            raise ConcurrentChange(appointment.reference)
        self._stored_state[appointment.id] = _state(appointment)
        await self._insert_history(appointment)

    async def active_for_doctor(
        self, doctor_id: int, start: datetime, end: datetime
    ) -> list[Appointment]:
        rows = await self._conn.execute(_DOCTOR_ACTIVE, _window(doctor_id, start, end))
        return [_from_row(r) for r in rows]

    async def busy_for_doctors(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> dict[int, list[tuple[datetime, datetime]]]:
        found: dict[int, list[tuple[datetime, datetime]]] = {d: [] for d in doctor_ids}
        if doctor_ids:
            window = _window(0, start, end) | {"owners": doctor_ids}
            for r in await self._conn.execute(_DOCTORS_BUSY, window):
                found[r.doctor_id].append((r.starts_at, r.ends_at))
        return found

    async def clashes(
        self, doctor_id: int, patient_id: int, start: datetime, end: datetime
    ) -> list[Appointment]:
        window = _window(doctor_id, start, end) | {"patient": patient_id}
        rows = await self._conn.execute(_CLASHES, window)
        return [_from_row(r) for r in rows]

    async def upcoming_for_patient(self, patient_id: int, after: datetime) -> list[Appointment]:
        rows = await self._conn.execute(
            select(appointments)
            .where(appointments.c.patient_id == patient_id, appointments.c.starts_at >= after)
            .order_by(appointments.c.starts_at)
        )
        return [_from_row(r) for r in rows]

    async def _insert_history(self, appointment: Appointment) -> None:
        stored = self._stored_history.get(appointment.id, 0)
        new = appointment.history[stored:]
        if new:
            await self._conn.execute(
                insert(appointment_status_changes),
                [_change_values(appointment.id, c) for c in new],
            )
        self._stored_history[appointment.id] = len(appointment.history)


def _overlap_filter(
    owner: ColumnElement[int], *, many: bool = False, key: str = "owner"
) -> tuple[ColumnElement[bool] | TextClause, ...]:
    """Active appointments of ``owner`` (``:owner``, or the parameter ``key`` names; any
    of ``:owners``, with ``many``) overlapping ``[:start, :end)``.

    The status list is a literal, the same text as the partial unique index's
    predicate, so both databases can answer from that index; the lower bound
    on ``starts_at`` keeps the range scan short. Built once: these run on
    every booking and every calendar page.
    """
    moment = UTCDateTime()
    return (
        owner.in_(bindparam("owners", expanding=True)) if many else owner == bindparam(key),
        ACTIVE_FILTER,
        appointments.c.starts_at >= bindparam("lower", type_=moment),
        appointments.c.starts_at < bindparam("end", type_=moment),
        appointments.c.ends_at > bindparam("start", type_=moment),
    )


def _window(owner: int, start: datetime, end: datetime) -> dict[str, object]:
    return {"owner": owner, "lower": start - LONGEST_APPOINTMENT, "end": end, "start": start}


_DOCTOR_ACTIVE = (
    select(appointments)
    .where(*_overlap_filter(appointments.c.doctor_id))
    .order_by(appointments.c.starts_at)
)
_DOCTORS_BUSY = select(
    appointments.c.doctor_id, appointments.c.starts_at, appointments.c.ends_at
).where(*_overlap_filter(appointments.c.doctor_id, many=True))
#: The doctor's and the patient's, in one statement: each branch reads its own index
#: (an ``OR`` could make either database scan); a visit in both comes twice, harmlessly.
_CLASHES = union_all(
    select(appointments).where(*_overlap_filter(appointments.c.doctor_id)),
    select(appointments).where(*_overlap_filter(appointments.c.patient_id, key="patient")),
)


def _from_row(row: Row[Any]) -> Appointment:
    return Appointment(
        id=row.id,
        reference=row.reference,
        patient_id=row.patient_id,
        doctor_id=row.doctor_id,
        specialty_id=row.specialty_id,
        country=row.country,
        start=row.starts_at,
        end=row.ends_at,
        status=Status(row.status),
    )


def _change_values(appointment_id: uuid.UUID, change: StatusChange) -> dict[str, Any]:
    return {
        "appointment_id": appointment_id,
        "at": change.at,
        "from_status": change.from_status.value if change.from_status else None,
        "to_status": change.to_status.value,
        "actor": change.actor,
        "reason": change.reason,
    }


def _state(appointment: Appointment) -> tuple[Status, datetime, int]:
    """What a save expects to find unchanged: status, start and doctor."""
    return appointment.status, appointment.start, appointment.doctor_id
