"""One table of resource types: for each, the scope it needs, its search parameters, how
it is searched and how one is read. Each calls domain queries and use cases only."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from aiohttp import web

from bot.http.fhir import resources as r
from bot.http.fhir.access import Caller
from bot.http.fhir.bundle import Row
from bot.http.fhir.outcomes import SearchInvalid
from bot.http.fhir.params import check_known, one, reference, tokens, window
from domain import queries
from domain.api_access import Scope
from domain.appointment_search import MAX_RANGE, AppointmentSearch
from domain.errors import NotFound
from domain.fhir_queries import doctor_free_slots, every_appointment
from domain.usecases.lookup import find_patients, open_appointment, open_patient

#: The longest range of a slot search, and its length when no end is given.
SLOT_RANGE, SLOT_DEFAULT = timedelta(days=31), timedelta(days=7)
SLOT_STATUSES = frozenset(
    {"free", "busy", "busy-unavailable", "busy-tentative", "entered-in-error"}
)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    scope: Scope
    search: Callable[[Caller, web.Request], Awaitable[list[Row]]]
    read: Callable[[Caller, str], Awaitable[dict[str, Any]]]


async def directory(caller: Caller) -> r.Directory:
    doctors = await queries.clinic_doctors(caller.deps, caller.actor)
    catalog = await queries.clinic_catalog(caller.deps, caller.actor)
    return r.Directory(
        {d.id or 0: d for d in doctors},
        {loc.id or 0: loc for loc in catalog.locations},
        {s.id or 0: s for s in catalog.specialties},
    )


def _number(ident: str) -> int:
    if not ident.isdigit() or len(ident) > 18:
        raise NotFound("resource")
    return int(ident)


# Appointment


async def search_appointments(caller: Caller, request: web.Request) -> list[Row]:
    query = request.query
    check_known(query, frozenset({"date", "status", "actor", "practitioner", "patient",
                                  "location"}))  # fmt: skip
    wanted = window(query.getall("date", []))
    today = datetime.combine(caller.deps.clock.now().astimezone(UTC).date(), time(), UTC)
    start, end = wanted.bounded(today, MAX_RANGE - timedelta(days=1))
    ids: dict[str, set[int]] = {"Practitioner": set(), "Patient": set(), "Location": set()}
    for name, kinds in (("practitioner", ("Practitioner",)), ("patient", ("Patient",)),
                        ("location", ("Location",)), ("actor", tuple(ids))):  # fmt: skip
        value = one(query, name)
        if value is not None:
            kind, ident = reference(value, *kinds)
            ids[kind].add(ident)
    if any(len(v) > 1 for v in ids.values()):
        return []  # two different doctors (or patients, places) at once: nothing matches
    statuses = tokens(query, "status", r.FHIR_STATUSES)
    search = AppointmentSearch(
        first_day=start.date(),
        last_day=(end - timedelta(microseconds=1)).date(),
        doctor_id=next(iter(ids["Practitioner"]), None),
        patient_id=next(iter(ids["Patient"]), None),
        location_id=next(iter(ids["Location"]), None),
    )
    found = await every_appointment(caller.deps, caller.actor, search)
    names = await directory(caller)
    return [
        (f"{r.instant(a.start)}|{a.id}", r.appointment(a, names))
        for a in found
        if start <= a.start < end and (statuses is None or r.STATUSES[a.status].status in statuses)
    ]


async def read_appointment(caller: Caller, ident: str) -> dict[str, Any]:
    """Audited (``appointment.viewed``), as opening one in the bot or the REST API is."""
    try:
        appointment_id = uuid.UUID(ident)
    except ValueError:
        raise NotFound("appointment") from None
    line = await open_appointment(caller.deps, caller.actor, appointment_id)
    return r.appointment(line.appointment, await directory(caller))


# Slot and Schedule: one schedule per doctor, its slots the doctor's free times


async def search_slots(caller: Caller, request: web.Request) -> list[Row]:
    query = request.query
    check_known(query, frozenset({"schedule", "start", "status"}))
    statuses = tokens(query, "status", SLOT_STATUSES)
    now = caller.deps.clock.now()
    start, end = window(query.getall("start", [])).bounded(now, SLOT_DEFAULT)
    if end - start > SLOT_RANGE:
        raise SearchInvalid(f"a range of at most {SLOT_RANGE.days} days")
    names = await directory(caller)
    doctors = list(names.doctors.values())
    raw = one(query, "schedule")
    if raw is not None:
        doctor_id = reference(raw, "Schedule")[1]
        doctors = [d for d in doctors if d.id == doctor_id]
    if statuses is not None and "free" not in statuses:
        return []  # medbot publishes free slots only
    rows: list[Row] = []
    for doctor in doctors:
        free = await doctor_free_slots(caller.deps, caller.actor, doctor, start, end)
        rows += [(f"{r.instant(s.start)}|{doctor.id:012d}", r.slot(doctor, s, names)) for s in free]
    return rows


async def read_slot(caller: Caller, ident: str) -> dict[str, Any]:
    doctor_part, _, epoch = ident.partition("-")
    names = await directory(caller)
    doctor = names.doctors.get(_number(doctor_part))
    if doctor is None:
        raise NotFound("slot")
    start = datetime.fromtimestamp(_number(epoch), UTC)
    found = await doctor_free_slots(
        caller.deps, caller.actor, doctor, start, start + timedelta(seconds=1)
    )
    if not found:
        raise NotFound("slot")  # taken, past, or never offered
    return r.slot(doctor, found[0], names)


async def search_schedules(caller: Caller, request: web.Request) -> list[Row]:
    check_known(request.query, frozenset({"actor"}))
    names = await directory(caller)
    doctors = list(names.doctors.values())
    raw = one(request.query, "actor")
    if raw is not None:
        kind, ident = reference(raw, "Practitioner", "Location")
        field = "id" if kind == "Practitioner" else "location_id"
        doctors = [d for d in doctors if getattr(d, field) == ident]
    return [(f"{d.id:012d}", r.schedule(d, names)) for d in doctors]


async def read_schedule(caller: Caller, ident: str) -> dict[str, Any]:
    names = await directory(caller)
    doctor = names.doctors.get(_number(ident))
    if doctor is None:
        raise NotFound("schedule")
    return r.schedule(doctor, names)


# Practitioner and Location


async def search_practitioners(caller: Caller, request: web.Request) -> list[Row]:
    check_known(request.query, frozenset())
    doctors = await queries.clinic_doctors(caller.deps, caller.actor)
    return [(f"{d.id:012d}", r.practitioner(d)) for d in doctors]


async def read_practitioner(caller: Caller, ident: str) -> dict[str, Any]:
    wanted = _number(ident)
    doctors = await queries.clinic_doctors(caller.deps, caller.actor)
    doctor = next((d for d in doctors if d.id == wanted), None)
    if doctor is None:
        raise NotFound("practitioner")
    return r.practitioner(doctor)


async def search_locations(caller: Caller, request: web.Request) -> list[Row]:
    check_known(request.query, frozenset())
    found = await queries.clinic_locations(caller.deps, caller.actor)
    return [(f"{loc.id:012d}", r.location(loc)) for loc in found]


async def read_location(caller: Caller, ident: str) -> dict[str, Any]:
    wanted = _number(ident)
    found = await queries.clinic_locations(caller.deps, caller.actor)
    loc = next((x for x in found if x.id == wanted), None)
    if loc is None:
        raise NotFound("location")
    return r.location(loc)


# Patient: the admin scope; every look-up audited (patient.looked_up)


async def search_patients(caller: Caller, request: web.Request) -> list[Row]:
    check_known(request.query, frozenset({"identifier"}))
    raw = one(request.query, "identifier")
    if raw is None:
        raise SearchInvalid("a Patient search needs identifier (a national ID)")
    try:
        found = await find_patients(caller.deps, caller.actor, raw.rpartition("|")[2])
    except NotFound:
        return []
    return [(f"{p.id:012d}", r.patient(p)) for p in found]


async def read_patient(caller: Caller, ident: str) -> dict[str, Any]:
    return r.patient(await open_patient(caller.deps, caller.actor, _number(ident)))


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("Appointment", Scope.READ, search_appointments, read_appointment),
        Kind("Slot", Scope.READ, search_slots, read_slot),
        Kind("Schedule", Scope.READ, search_schedules, read_schedule),
        Kind("Practitioner", Scope.READ, search_practitioners, read_practitioner),
        Kind("Location", Scope.READ, search_locations, read_location),
        Kind("Patient", Scope.ADMIN, search_patients, read_patient),
    )
}
