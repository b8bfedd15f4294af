import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select

from domain.booking import BookCommand, book, find_free_slots
from domain.errors import SlotTaken
from storage.tables import appointments
from storage.unit_of_work import SqlUnitOfWork
from tests.storage.conftest import make_clinic

TUESDAY = date(2026, 5, 5)


async def count_appointments(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(appointments))).scalar_one()


async def attempt(engine, clock, command: BookCommand) -> str:
    try:
        await book(SqlUnitOfWork(engine), clock, command)
    except SlotTaken:
        return "taken"
    return "booked"


async def test_fifty_patients_racing_for_one_slot_leave_exactly_one_appointment(
    engine, clock
) -> None:
    clinic = await make_clinic(engine, patients=50)
    slots = await find_free_slots(SqlUnitOfWork(engine), clock, clinic.doctor, TUESDAY, TUESDAY)
    start = slots[0].start

    results = await asyncio.gather(
        *(
            attempt(engine, clock, BookCommand(p, clinic.doctor, clinic.specialty, start))
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
    slots = await find_free_slots(
        SqlUnitOfWork(engine), clock, clinic.doctor, TUESDAY, TUESDAY + timedelta(days=1)
    )
    twenty = [s.start for s in slots[:20]]

    results = await asyncio.gather(
        *(
            attempt(engine, clock, BookCommand(p, clinic.doctor, clinic.specialty, twenty[i % 20]))
            for i, p in enumerate(clinic.patients)
        )
    )

    assert results.count("booked") == 20
    assert results.count("taken") == 180
    async with engine.connect() as conn:
        starts = (await conn.execute(select(appointments.c.starts_at))).scalars().all()
    assert sorted(starts) == sorted(twenty)
