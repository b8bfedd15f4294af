"""A doctor's blocks of time as stored in ``doctors.plan``: a break within a day and the
mark of who made it come back as they went in, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, time

from sqlalchemy import select, update

from domain.actors import Actor, Role
from domain.blocks import within_day
from domain.countries import get_country
from domain.queries import SlotQuery, open_slots
from domain.schedule import TimeOff
from domain.usecases.hours import add_time_off, remove_time_off
from storage.tables import doctors
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
from tests.storage.conftest import NOW, make_clinic

LIMA = get_country("PE").timezone
TUESDAY = date(2026, 5, 5)


async def test_a_doctors_break_comes_back_as_the_same_instants_and_marked_as_theirs(
    engine, clock
) -> None:
    clinic = await make_clinic(engine)
    doctor = Actor(Role.DOCTOR, clinic.doctor)
    off = within_day(TUESDAY, time(15), time(17), LIMA, NOW)

    await add_time_off(sql_deps(engine, clock), doctor, clinic.doctor, off)

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        stored = await uow.doctors.get(clinic.doctor)
    assert stored is not None
    [block] = stored.plan.time_off
    assert (block.start, block.end) == (off.start, off.end)
    assert block.start == datetime(2026, 5, 5, 20, 0, tzinfo=UTC)
    assert block.by_doctor


async def test_time_off_stored_before_blocks_existed_reads_as_the_clinics(engine) -> None:
    clinic = await make_clinic(engine)
    async with SqlUnitOfWork(engine) as uow:
        plan = (
            await uow.connection.execute(
                select(doctors.c.plan).where(doctors.c.id == clinic.doctor)
            )
        ).scalar_one()
        plan["time_off"] = [
            {"start": "2026-05-05T00:00:00-05:00", "end": "2026-05-06T00:00:00-05:00", "reason": ""}
        ]
        await uow.connection.execute(
            update(doctors).where(doctors.c.id == clinic.doctor).values(plan=plan)
        )
        await uow.commit()

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        stored = await uow.doctors.get(clinic.doctor)

    assert stored is not None
    [off] = stored.plan.time_off
    assert not off.by_doctor
    assert off == TimeOff(datetime(2026, 5, 5, 5, tzinfo=UTC), datetime(2026, 5, 6, 5, tzinfo=UTC))


async def test_a_blocked_break_is_not_offered_and_is_offered_again_once_removed(
    engine, clock
) -> None:
    clinic = await make_clinic(engine)
    deps = sql_deps(engine, clock)
    doctor = Actor(Role.DOCTOR, clinic.doctor)
    query = SlotQuery("PE", clinic.specialty, clinic.doctor, TUESDAY, TUESDAY)
    off = within_day(TUESDAY, time(15), time(17), LIMA, NOW)

    async def offered() -> set[str]:
        return {
            s.slot.start.astimezone(LIMA).strftime("%H:%M") for s in await open_slots(deps, query)
        }

    await add_time_off(deps, doctor, clinic.doctor, off)
    while_blocked = await offered()
    await remove_time_off(deps, doctor, clinic.doctor, off.start, off.end)

    assert {"14:30", "17:00"} <= while_blocked
    assert not {"15:00", "15:30", "16:00", "16:30"} & while_blocked
    assert {"15:00", "15:30", "16:00", "16:30"} <= await offered()
