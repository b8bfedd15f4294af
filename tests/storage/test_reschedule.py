import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor, Role
from domain.errors import InvalidTransition, SlotTaken
from domain.ports import Deps
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.reschedule import RescheduleCommand, reschedule
from domain.usecases.status import StatusCommand, change_status
from storage.tables import appointment_status_changes, appointments, notifications
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
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
    ana = Actor(Role.PATIENT, clinic.patients[0])
    deps = sql_deps(engine, clock)
    command = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_10)
    appointment = await book(deps, ana, command)

    await reschedule(deps, ana, RescheduleCommand(appointment.id, WEDNESDAY_11))

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
    deps = sql_deps(engine, clock)
    command = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_10)
    appointment = await book(deps, ana, command)

    await reschedule(deps, ana, RescheduleCommand(appointment.id, WEDNESDAY_11))
    await reschedule(deps, ana, RescheduleCommand(appointment.id, TUESDAY_10))

    assert await queued_reminders(engine, appointment.id) == [
        TUESDAY_10 - timedelta(hours=24),
        TUESDAY_10 - timedelta(hours=2),
    ]


async def test_a_move_racing_a_booking_for_the_same_time_lets_exactly_one_have_it(
    engine, clock
) -> None:
    clinic = await make_clinic(engine)
    ana, ben = (Actor(Role.PATIENT, p) for p in clinic.patients)
    deps = sql_deps(engine, clock)
    first = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_10)
    appointment = await book(deps, ana, first)
    other = BookCommand(clinic.doctor, clinic.specialty, WEDNESDAY_11)

    async def attempt(action) -> str:
        try:
            await action
        except SlotTaken:
            return "taken"
        return "done"

    results = await asyncio.gather(
        attempt(book(deps, ben, other)),
        attempt(reschedule(deps, ana, RescheduleCommand(appointment.id, WEDNESDAY_11))),
    )

    assert sorted(results) == ["done", "taken"]
    async with engine.connect() as conn:
        starts = (await conn.execute(select(appointments.c.starts_at))).scalars().all()
    assert WEDNESDAY_11 in starts
    assert len(starts) == len(set(starts)) == 2


class PausingUnitOfWork(SqlUnitOfWork):
    """A unit of work that, right after reading an appointment, says so and waits.

    It sets ``read`` and then waits for ``resume``, at most a second: on SQLite
    the other writer cannot start before this one ends (one write turn at a
    time), so there the pause runs out and the two go one after the other.
    """

    def __init__(self, engine, read: asyncio.Event, resume: asyncio.Event) -> None:
        super().__init__(engine)
        self._read, self._resume = read, resume

    async def __aenter__(self):
        await super().__aenter__()
        fetch = self.appointments.get

        async def get(appointment_id):
            found = await fetch(appointment_id)
            self._read.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._resume.wait(), 1)
            return found

        self.appointments.get = get  # type: ignore[method-assign]
        return self


@pytest.mark.parametrize("rival", ["reject", "cancel"])
@pytest.mark.parametrize("first_reader", ["move", "rival"])
async def test_a_move_racing_a_rejection_or_cancellation_never_revives_the_visit(
    engine, clock, rival, first_reader
) -> None:
    """One reads, the other runs to its end, then the first writes.

    On PostgreSQL the first one's copy is stale by then and its write must not
    apply; on SQLite they run one after the other. Either way the outcome is
    some serial order of what succeeded: a committed rejection or cancellation
    is never undone, and only an active visit has reminders queued.
    """
    clinic = await make_clinic(engine)
    ana = Actor(Role.PATIENT, clinic.patients[0])
    command = BookCommand(clinic.doctor, clinic.specialty, TUESDAY_10)
    appointment = await book(sql_deps(engine, clock), ana, command)
    first_read, second_done = asyncio.Event(), asyncio.Event()

    def deps_of(name: str) -> Deps:
        if name == first_reader:
            return Deps(lambda **_: PausingUnitOfWork(engine, first_read, second_done), clock)
        return sql_deps(engine, clock)

    async def move() -> None:
        await reschedule(deps_of("move"), ana, RescheduleCommand(appointment.id, WEDNESDAY_11))

    async def end_it() -> None:
        if rival == "reject":
            doctor = Actor(Role.DOCTOR, clinic.doctor)
            await change_status(
                deps_of("rival"), doctor, StatusCommand(appointment.id, Status.REJECTED)
            )
        else:
            await cancel(deps_of("rival"), ana, CancelCommand(appointment.id))

    async def attempt(name: str) -> str:
        if name != first_reader:
            await first_read.wait()
        try:
            await (move() if name == "move" else end_it())
        except InvalidTransition:  # ConcurrentChange, or "a rejected visit cannot move"
            return "refused"
        finally:
            if name != first_reader:
                second_done.set()
        return "done"

    moved, ended = await asyncio.gather(attempt("move"), attempt("rival"))

    ended_status = "rejected" if rival == "reject" else "cancelled"
    async with engine.connect() as conn:
        row = (await conn.execute(select(appointments))).one()
        changes = (
            (
                await conn.execute(
                    select(appointment_status_changes.c.to_status).order_by(
                        appointment_status_changes.c.id
                    )
                )
            )
            .scalars()
            .all()
        )
    reminders = await queued_reminders(engine, appointment.id)
    assert "done" in (moved, ended)
    assert len(changes) == 1 + [moved, ended].count("done")
    assert row.starts_at == (WEDNESDAY_11 if moved == "done" else TUESDAY_10)
    if ended == "done":
        assert row.status == ended_status
        assert changes[-1] == ended_status
        assert reminders == []
    else:
        assert (row.status, moved) == ("registered", "done")
        assert reminders == [WEDNESDAY_11 - timedelta(hours=24), WEDNESDAY_11 - timedelta(hours=2)]
