import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain.booking import Actor, BookCommand, Role, book, reschedule
from domain.errors import SlotTaken
from storage.tables import appointment_status_changes, appointments, notifications
from storage.unit_of_work import SqlUnitOfWork
from tests.storage.conftest import make_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
WEDNESDAY_11 = datetime(2026, 5, 6, 16, 0, tzinfo=UTC)


async def queued_reminders(engine, appointment_id) -> list[datetime]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(notifications.c.due_at)
            .where(
                notifications.c.appointment_id == appointment_id,
                notifications.c.kind == "reminder",
                notifications.c.state == "queued",
            )
            .order_by(notifications.c.due_at)
        )
        return [r.due_at for r in rows]


async def test_a_move_is_stored_with_a_history_row_and_fresh_reminders(engine, clock) -> None:
    clinic = await make_clinic(engine)
    ana = clinic.patients[0]
    command = BookCommand(ana, clinic.doctor, clinic.specialty, TUESDAY_10)
    appointment = await book(SqlUnitOfWork(engine), clock, command)

    await reschedule(
        SqlUnitOfWork(engine), clock, appointment.id, WEDNESDAY_11, Actor(Role.PATIENT, ana)
    )

    async with engine.connect() as conn:
        row = (await conn.execute(select(appointments))).one()
        changes = (
            await conn.execute(
                select(appointment_status_changes).order_by(appointment_status_changes.c.id)
            )
        ).all()
    assert (row.starts_at, row.status, row.reference) == (
        WEDNESDAY_11,
        "registered",
        appointment.reference,
    )
    assert (changes[-1].from_status, changes[-1].to_status) == ("registered", "registered")
    assert changes[-1].reason == f"rescheduled from {TUESDAY_10.isoformat()}"
    assert await queued_reminders(engine, appointment.id) == [
        WEDNESDAY_11 - timedelta(hours=24),
        WEDNESDAY_11 - timedelta(hours=2),
    ]


async def test_moving_there_and_back_queues_the_first_times_reminders_again(engine, clock) -> None:
    clinic = await make_clinic(engine)
    ana = Actor(Role.PATIENT, clinic.patients[0])
    command = BookCommand(clinic.patients[0], clinic.doctor, clinic.specialty, TUESDAY_10)
    appointment = await book(SqlUnitOfWork(engine), clock, command)

    await reschedule(SqlUnitOfWork(engine), clock, appointment.id, WEDNESDAY_11, ana)
    await reschedule(SqlUnitOfWork(engine), clock, appointment.id, TUESDAY_10, ana)

    assert await queued_reminders(engine, appointment.id) == [
        TUESDAY_10 - timedelta(hours=24),
        TUESDAY_10 - timedelta(hours=2),
    ]


async def test_a_move_racing_a_booking_for_the_same_time_lets_exactly_one_have_it(
    engine, clock
) -> None:
    clinic = await make_clinic(engine)
    ana, ben = clinic.patients
    first = BookCommand(ana, clinic.doctor, clinic.specialty, TUESDAY_10)
    appointment = await book(SqlUnitOfWork(engine), clock, first)
    other = BookCommand(ben, clinic.doctor, clinic.specialty, WEDNESDAY_11)

    async def attempt(action) -> str:
        try:
            await action
        except SlotTaken:
            return "taken"
        return "done"

    results = await asyncio.gather(
        attempt(book(SqlUnitOfWork(engine), clock, other)),
        attempt(
            reschedule(
                SqlUnitOfWork(engine), clock, appointment.id, WEDNESDAY_11, Actor(Role.PATIENT, ana)
            )
        ),
    )

    assert sorted(results) == ["done", "taken"]
    async with engine.connect() as conn:
        starts = (await conn.execute(select(appointments.c.starts_at))).scalars().all()
    assert WEDNESDAY_11 in starts
    assert len(starts) == len(set(starts)) == 2
