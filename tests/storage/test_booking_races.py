import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select

from domain.actors import Actor, Role
from domain.errors import SlotTaken
from domain.queries import SlotQuery, open_slots
from domain.usecases.booking import BookCommand, book
from storage.tables import appointments
from tests.databases import sql_deps
from tests.storage.conftest import make_clinic

TUESDAY = date(2026, 5, 5)


async def count_appointments(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(appointments))).scalar_one()


async def attempt(engine, clock, patient_id: int, command: BookCommand) -> str:
    try:
        await book(sql_deps(engine, clock), Actor(Role.PATIENT, patient_id), command)
    except SlotTaken:
        return "taken"
    return "booked"


async def test_fifty_patients_racing_for_one_slot_leave_exactly_one_appointment(
    engine, clock
) -> None:
    clinic = await make_clinic(engine, patients=50)
    query = SlotQuery("PE", clinic.specialty, clinic.doctor, TUESDAY, TUESDAY)
    slots = [s.slot for s in await open_slots(sql_deps(engine, clock), query)]
    start = slots[0].start

    results = await asyncio.gather(
        *(
            attempt(engine, clock, p, BookCommand(clinic.doctor, clinic.specialty, start))
            for p in clinic.patients
        )
    )

    assert results.count("booked") == 1
    assert results.count("taken") == 49
    assert await count_appointments(engine) == 1


async def test_two_hundred_patients_racing_for_twenty_slots_fill_each_slot_once(
    engine, clock
) -> None:
    clinic = await make_clinic(engine, patients=200)
    query = SlotQuery("PE", clinic.specialty, clinic.doctor, TUESDAY, TUESDAY + timedelta(days=1))
    slots = [s.slot for s in await open_slots(sql_deps(engine, clock), query)]
    twenty = [s.start for s in slots[:20]]

    results = await asyncio.gather(
        *(
            attempt(engine, clock, p, BookCommand(clinic.doctor, clinic.specialty, twenty[i % 20]))
            for i, p in enumerate(clinic.patients)
        )
    )

    assert results.count("booked") == 20
    assert results.count("taken") == 180
    async with engine.connect() as conn:
        starts = (await conn.execute(select(appointments.c.starts_at))).scalars().all()
    assert sorted(starts) == sorted(twenty)
