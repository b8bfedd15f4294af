"""The clinic's appointments, filtered and read a page at a time (the REST API's list).

Pages follow a cursor, the last appointment's (start, id), so a page never repeats
or skips a row when appointments are added meanwhile, as an offset would.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.actors import Actor
from domain.appointment_lines import check_clinic_admin, parse_reference
from domain.entities import Appointment
from domain.errors import InvalidInput, NotFound
from domain.ports import Deps
from domain.status import Status

#: The longest range one search covers.
MAX_RANGE = timedelta(days=366)
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class Cursor:
    start: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.start.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            start, ident = raw.split("|")
            cursor = cls(datetime.fromisoformat(start), uuid.UUID(ident))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise InvalidInput("malformed cursor") from None
        if cursor.start.tzinfo is None:
            raise InvalidInput("malformed cursor")
        return cursor


@dataclass(frozen=True, slots=True)
class AppointmentSearch:
    """``None`` matches any. Days are UTC days, ``last_day`` included."""

    first_day: date
    last_day: date
    patient_id: int | None = None
    doctor_id: int | None = None
    location_id: int | None = None
    country: str | None = None
    status: Status | None = None
    after: Cursor | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Page:
    appointments: list[Appointment]
    next: Cursor | None  # None: this was the last page


async def search_appointments(deps: Deps, actor: Actor, search: AppointmentSearch) -> Page:
    """Appointments of any status starting in the range, by (start, id), one page of
    them: the clinic's roles only. Ids and times only, no names, so the list itself is
    not audited."""
    if not 1 <= search.limit <= MAX_PAGE:
        raise InvalidInput(f"limit is 1 to {MAX_PAGE}")
    rows = await matching_appointments(deps, actor, search)
    page = rows[: search.limit]
    more = len(rows) > search.limit
    return Page(page, Cursor(page[-1].start, page[-1].id) if more else None)


async def matching_appointments(
    deps: Deps, actor: Actor, search: AppointmentSearch
) -> list[Appointment]:
    """Every appointment the search matches after its cursor, by (start, id), read once
    (the range is bounded by ``MAX_RANGE``): the clinic's roles only."""
    check_clinic_admin(actor)
    start = datetime.combine(search.first_day, time(), UTC)
    end = datetime.combine(search.last_day, time(), UTC) + timedelta(days=1)
    if end <= start or end - start > MAX_RANGE:
        raise InvalidInput(f"a range of 1 to {MAX_RANGE.days} days")
    if search.after is not None:
        start = max(start, search.after.start)
    async with deps.uow(read_only=True) as uow:
        doctors = [
            d.id or 0
            for d in await uow.doctors.list_all()
            if search.doctor_id in (None, d.id)
            and search.location_id in (None, d.location_id)
            and search.country in (None, d.country)
        ]
        found = await uow.appointments.starting_between(doctors, start, end) if doctors else []
    return sorted(
        (
            a
            for a in found
            if search.patient_id in (None, a.patient_id)
            and search.status in (None, a.status)
            and (search.after is None or (a.start, str(a.id)) > _key(search.after))
        ),
        key=lambda a: (a.start, str(a.id)),
    )


def _key(cursor: Cursor) -> tuple[datetime, str]:
    return (cursor.start, str(cursor.id))


async def appointment_id_for(deps: Deps, actor: Actor, reference: str) -> uuid.UUID:
    """The id of the appointment with this reference, for a use case to act on (which
    checks and audits what it does): the clinic's roles only."""
    check_clinic_admin(actor)
    parsed = parse_reference(reference)
    if parsed is None:
        raise NotFound("appointment")
    async with deps.uow(read_only=True) as uow:
        appointment = await uow.appointments.get_by_reference(parsed)
    if appointment is None:
        raise NotFound("appointment")
    return appointment.id
