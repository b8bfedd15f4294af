"""The clinic's directory: specialties, locations, doctors and their free slots."""

from __future__ import annotations

from datetime import timedelta

from bot.http.api.operations import Call, Operation
from bot.http.api.schemas import (
    DoctorList,
    DoctorOut,
    IdPath,
    LocationList,
    LocationOut,
    SlotList,
    SlotOut,
    SlotQuery,
    SpecialtyList,
    SpecialtyOut,
)
from domain import queries
from domain.api_access import Scope
from domain.errors import InvalidInput, NotFound

#: The longest range of days one slot search covers.
SLOT_RANGE = timedelta(days=31)


async def specialties(call: Call) -> SpecialtyList:
    catalog = await queries.clinic_catalog(call.deps, call.caller.actor)
    return SpecialtyList(items=[SpecialtyOut.of(s) for s in catalog.specialties])


async def locations(call: Call) -> LocationList:
    catalog = await queries.clinic_catalog(call.deps, call.caller.actor)
    return LocationList(items=[LocationOut.of(loc) for loc in catalog.locations])


async def doctors(call: Call) -> DoctorList:
    found = await queries.clinic_doctors(call.deps, call.caller.actor)
    return DoctorList(items=[DoctorOut.of(d) for d in found])


async def free_slots(call: Call) -> SlotList:
    """The doctor's free slots for the specialty, as the bot offers them (``open_slots``)."""
    doctor_id = call.path_as(IdPath).id
    query = call.query_as(SlotQuery)
    if not timedelta(0) <= query.last_day - query.first_day < SLOT_RANGE:
        raise InvalidInput(f"from..to is 1 to {SLOT_RANGE.days} days")
    doctor = next(
        (
            d
            for d in await queries.clinic_doctors(call.deps, call.caller.actor)
            if d.id == doctor_id
        ),
        None,
    )
    if doctor is None:
        raise NotFound("doctor")
    found = await queries.open_slots(
        call.deps,
        queries.SlotQuery(
            doctor.country, query.specialty_id, doctor_id, query.first_day, query.last_day
        ),
    )
    return SlotList(
        items=[SlotOut(doctor_id=s.doctor_id, start=s.slot.start, end=s.slot.end) for s in found]
    )


OPERATIONS = [
    Operation(
        "listSpecialties", "GET", "/specialties", "Every specialty", Scope.READ,
        specialties, SpecialtyList, tag="directory",
    ),
    Operation(
        "listLocations", "GET", "/locations", "Every location", Scope.READ,
        locations, LocationList, tag="directory",
    ),
    Operation(
        "listDoctors", "GET", "/doctors", "Every doctor, active or not", Scope.READ,
        doctors, DoctorList, tag="directory",
    ),
    Operation(
        "listFreeSlots", "GET", "/doctors/{id}/slots",
        "A doctor's free slots for a specialty over a range of days (at most 31)",
        Scope.READ, free_slots, SlotList, path_model=IdPath, query=SlotQuery, tag="directory",
    ),
]  # fmt: skip
