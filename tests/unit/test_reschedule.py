from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.booking import (
    Actor,
    BookCommand,
    Role,
    book,
    cancel,
    change_status,
    find_free_slots,
    reschedule,
)
from domain.entities import Appointment
from domain.errors import (
    CancellationWindowClosed,
    InvalidTransition,
    NotFound,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
)
from domain.notifications import Kind
from domain.status import Status
from tests.unit.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, seed_clinic

# Monday 4 May 2026, 08:00 in Lima (UTC-5 all year).
NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
WEDNESDAY_11 = datetime(2026, 5, 6, 16, 0, tzinfo=UTC)  # 11:00 in Lima
DOCTOR_CHAT = 900


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db, DOCTOR_CHAT)


async def booked(
    db: FakeDatabase, clock: FakeClock, clinic: dict[str, int], who: str = "ana",
    start: datetime = TUESDAY_10,
) -> Appointment:  # fmt: skip
    command = BookCommand(clinic[who], clinic["doctor"], clinic["specialty"], start)
    appointment = await book(FakeUnitOfWork(db), clock, command)
    db.notifications = [n for n in db.notifications if n.kind is Kind.REMINDER]
    return appointment


def ana(clinic: dict[str, int]) -> Actor:
    return Actor(Role.PATIENT, clinic["ana"])


async def test_a_moved_appointment_keeps_its_reference_and_status_and_frees_the_old_time(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)

    moved = await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    stored = db.appointments[appointment.id]
    assert (stored.reference, stored.status) == (appointment.reference, Status.REGISTERED)
    assert (stored.start, stored.end) == (WEDNESDAY_11, WEDNESDAY_11 + timedelta(minutes=30))
    assert moved.start == WEDNESDAY_11
    tuesday = await find_free_slots(
        FakeUnitOfWork(db), clock, clinic["doctor"], TUESDAY_10.date(), WEDNESDAY_11.date()
    )
    starts = [s.start for s in tuesday]
    assert TUESDAY_10 in starts
    assert WEDNESDAY_11 not in starts


async def test_the_history_records_who_moved_it_and_from_which_time(db, clock, clinic) -> None:
    appointment = await booked(db, clock, clinic)

    await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    entry = db.appointments[appointment.id].history[-1]
    assert (entry.from_status, entry.to_status) == (Status.REGISTERED, Status.REGISTERED)
    assert entry.reason == "rescheduled from 2026-05-05T15:00:00+00:00"
    assert (entry.actor, entry.at) == (f"patient:{clinic['ana']}", NOW)


async def test_an_assigned_appointment_stays_assigned_when_moved(db, clock, clinic) -> None:
    appointment = await booked(db, clock, clinic)
    doctor = Actor(Role.DOCTOR, clinic["doctor"])
    await change_status(FakeUnitOfWork(db), clock, appointment.id, Status.ASSIGNED, actor=doctor)

    await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    assert db.appointments[appointment.id].status is Status.ASSIGNED


async def test_a_status_message_waiting_for_the_morning_names_the_new_time(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)
    clock.set(datetime(2026, 5, 5, 3, 0, tzinfo=UTC))  # Monday 22:00 in Lima
    doctor = Actor(Role.DOCTOR, clinic["doctor"])
    await change_status(FakeUnitOfWork(db), clock, appointment.id, Status.ASSIGNED, actor=doctor)

    await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    [waiting] = [n for n in db.notifications if n.template == "notify.status.assigned"]
    assert waiting.due_at > clock.now()  # held for the morning
    assert waiting.params["start"] == int(WEDNESDAY_11.timestamp())


async def test_moving_withdraws_the_old_reminders_and_plans_the_new_times(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)

    await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    reminders = [(n.due_at, n.chat_id) for n in db.notifications if n.kind is Kind.REMINDER]
    assert reminders == [
        (WEDNESDAY_11 - timedelta(hours=24), 101),
        (WEDNESDAY_11 - timedelta(hours=2), 101),
    ]
    withdrawn = [n.due_at for n in db.withdrawn if n.kind is Kind.REMINDER]
    assert withdrawn == [TUESDAY_10 - timedelta(hours=24), TUESDAY_10 - timedelta(hours=2)]


async def test_moving_back_to_an_earlier_time_plans_its_reminders_again(db, clock, clinic) -> None:
    appointment = await booked(db, clock, clinic)
    await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    await reschedule(FakeUnitOfWork(db), clock, appointment.id, TUESDAY_10, ana(clinic))

    reminders = [n.due_at for n in db.notifications if n.kind is Kind.REMINDER]
    assert reminders == [TUESDAY_10 - timedelta(hours=24), TUESDAY_10 - timedelta(hours=2)]


async def test_the_doctor_hears_of_a_patients_move_and_the_patient_sees_it_in_the_chat(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)

    await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    [notice] = [n for n in db.notifications if n.kind is Kind.STATUS]
    assert (notice.template, notice.chat_id, notice.urgent) == (
        "notify.rescheduled",
        DOCTOR_CHAT,
        False,
    )
    assert notice.params["start"] == int(WEDNESDAY_11.timestamp())
    assert notice.params["reference"] == appointment.reference


async def test_a_move_by_the_clinic_is_told_to_the_patient_and_the_doctor(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)

    await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, Actor(Role.ADMIN, 1))

    told = {n.chat_id for n in db.notifications if n.template == "notify.rescheduled"}
    assert told == {101, DOCTOR_CHAT}


async def test_a_patient_cannot_move_a_visit_inside_the_cancellation_window(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)
    clock.set(TUESDAY_10 - timedelta(hours=11))  # PE window: 12 h

    with pytest.raises(CancellationWindowClosed):
        await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    assert db.appointments[appointment.id].start == TUESDAY_10


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 5, 6, 18, 0, tzinfo=UTC),  # lunch in Lima
        NOW + timedelta(hours=1),  # inside the lead time
        NOW + timedelta(days=70),  # past the horizon
        TUESDAY_10,  # where it already is
    ],
)
async def test_a_visit_cannot_move_to_a_time_that_is_not_bookable(db, clock, clinic, start) -> None:
    appointment = await booked(db, clock, clinic)

    with pytest.raises(SlotUnavailable):
        await reschedule(FakeUnitOfWork(db), clock, appointment.id, start, ana(clinic))

    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_visit_cannot_move_to_a_time_someone_else_holds(db, clock, clinic) -> None:
    appointment = await booked(db, clock, clinic)
    await booked(db, clock, clinic, "ben", WEDNESDAY_11)

    with pytest.raises(SlotTaken):
        await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))

    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_visit_cannot_move_onto_another_visit_of_the_same_patient(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)
    other_doctor = replace(db.doctors[clinic["doctor"]], id=None, telegram_user_id=None)
    other = await FakeUnitOfWork(db).doctors.add(other_doctor)
    await book(
        FakeUnitOfWork(db),
        clock,
        BookCommand(clinic["ana"], other.id or 0, clinic["specialty"], WEDNESDAY_11),
    )

    with pytest.raises(PatientOverlap):
        await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))


async def test_a_lost_race_for_the_new_time_is_slot_taken_and_changes_nothing(
    db, clock, clinic
) -> None:
    appointment = await booked(db, clock, clinic)
    slow = FakeUnitOfWork(db)
    command = BookCommand(clinic["ben"], clinic["doctor"], clinic["specialty"], WEDNESDAY_11)
    fast = book(FakeUnitOfWork(db), clock, command)
    original_commit = slow.commit

    async def commit_after_the_other() -> None:
        await fast
        await original_commit()

    slow.commit = commit_after_the_other  # type: ignore[method-assign]

    with pytest.raises(SlotTaken):
        await reschedule(slow, clock, appointment.id, WEDNESDAY_11, ana(clinic))
    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_patient_cannot_move_someone_elses_appointment(db, clock, clinic) -> None:
    appointment = await booked(db, clock, clinic)

    with pytest.raises(NotFound):
        await reschedule(
            FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, Actor(Role.PATIENT, 2)
        )

    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_cancelled_appointment_cannot_be_moved(db, clock, clinic) -> None:
    appointment = await booked(db, clock, clinic)
    await cancel(FakeUnitOfWork(db), clock, appointment.id, ana(clinic))

    with pytest.raises(InvalidTransition):
        await reschedule(FakeUnitOfWork(db), clock, appointment.id, WEDNESDAY_11, ana(clinic))
