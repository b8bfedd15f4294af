from datetime import UTC, datetime, timedelta

import pytest

from domain.booking import Actor, BookCommand, Role, book, cancel, change_status, find_free_slots
from domain.errors import (
    CancellationWindowClosed,
    InvalidTransition,
    NotFound,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
)
from domain.status import Status
from tests.unit.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, seed_clinic

# Monday 4 May 2026, 08:00 in Lima (UTC-5 all year).
NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


def command(clinic: dict[str, int], who: str = "ana", start: datetime = TUESDAY_10) -> BookCommand:
    return BookCommand(clinic[who], clinic["doctor"], clinic["specialty"], start)


async def test_booking_a_free_slot_registers_the_appointment(db, clock, clinic) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))

    assert appointment.status == Status.REGISTERED
    assert appointment.end - appointment.start == timedelta(minutes=30)
    assert db.appointments[appointment.id].reference == appointment.reference


async def test_a_booked_slot_is_no_longer_offered(db, clock, clinic) -> None:
    await book(FakeUnitOfWork(db), clock, command(clinic))

    slots = await find_free_slots(
        FakeUnitOfWork(db), clock, clinic["doctor"], TUESDAY_10.date(), TUESDAY_10.date()
    )

    assert TUESDAY_10 not in [s.start for s in slots]
    assert TUESDAY_10 + timedelta(minutes=30) in [s.start for s in slots]


async def test_booking_a_slot_someone_holds_is_refused_as_taken(db, clock, clinic) -> None:
    await book(FakeUnitOfWork(db), clock, command(clinic))

    with pytest.raises(SlotTaken):
        await book(FakeUnitOfWork(db), clock, command(clinic, "ben"))

    assert len(db.appointments) == 1


async def test_a_lost_race_at_commit_is_reported_as_slot_taken(db, clock, clinic) -> None:
    # Both read the slot as free; the second commit meets the constraint.
    slow = FakeUnitOfWork(db)
    fast_result = book(FakeUnitOfWork(db), clock, command(clinic))
    original_commit = slow.commit

    async def commit_after_the_other() -> None:
        await fast_result
        await original_commit()

    slow.commit = commit_after_the_other  # type: ignore[method-assign]

    with pytest.raises(SlotTaken):
        await book(slow, clock, command(clinic, "ben"))
    assert len(db.appointments) == 1


async def test_a_time_outside_working_hours_cannot_be_booked(db, clock, clinic) -> None:
    lunch = datetime(2026, 5, 5, 18, 0, tzinfo=UTC)  # 13:00 in Lima

    with pytest.raises(SlotUnavailable):
        await book(FakeUnitOfWork(db), clock, command(clinic, start=lunch))


async def test_a_time_inside_the_lead_time_cannot_be_booked(db, clock, clinic) -> None:
    too_soon = datetime(2026, 5, 4, 14, 30, tzinfo=UTC)  # 09:30 today, lead time is 2 h

    with pytest.raises(SlotUnavailable):
        await book(FakeUnitOfWork(db), clock, command(clinic, start=too_soon))


async def test_a_patient_cannot_hold_two_overlapping_appointments(db, clock, clinic) -> None:
    uow = FakeUnitOfWork(db)
    other = await uow.doctors.add(db.doctors[clinic["doctor"]])
    await book(FakeUnitOfWork(db), clock, command(clinic))

    with pytest.raises(PatientOverlap):
        await book(
            FakeUnitOfWork(db),
            clock,
            BookCommand(clinic["ana"], other.id or 0, clinic["specialty"], TUESDAY_10),
        )


async def test_booking_with_a_doctor_of_another_specialty_is_refused(db, clock, clinic) -> None:
    with pytest.raises(NotFound):
        await book(
            FakeUnitOfWork(db),
            clock,
            BookCommand(clinic["ana"], clinic["doctor"], 999, TUESDAY_10),
        )


async def test_a_patient_cancels_before_the_window_and_the_slot_is_free_again(
    db, clock, clinic
) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))

    cancelled = await cancel(
        FakeUnitOfWork(db), clock, appointment.id, Actor(Role.PATIENT, clinic["ana"])
    )

    assert cancelled.status == Status.CANCELLED
    assert db.appointments[appointment.id].status == Status.CANCELLED
    again = await book(FakeUnitOfWork(db), clock, command(clinic, "ben"))
    assert again.start == TUESDAY_10


async def test_a_patient_cannot_cancel_inside_the_window(db, clock, clinic) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))
    clock.set(TUESDAY_10 - timedelta(hours=11, minutes=59))  # window is 12 h in Peru

    with pytest.raises(CancellationWindowClosed):
        await cancel(FakeUnitOfWork(db), clock, appointment.id, Actor(Role.PATIENT, clinic["ana"]))

    assert db.appointments[appointment.id].status == Status.REGISTERED


async def test_a_patient_can_cancel_exactly_at_the_window_edge(db, clock, clinic) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))
    clock.set(TUESDAY_10 - timedelta(hours=12))

    cancelled = await cancel(
        FakeUnitOfWork(db), clock, appointment.id, Actor(Role.PATIENT, clinic["ana"])
    )

    assert cancelled.status == Status.CANCELLED


async def test_staff_may_cancel_inside_the_window(db, clock, clinic) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))
    clock.set(TUESDAY_10 - timedelta(hours=1))

    cancelled = await cancel(
        FakeUnitOfWork(db), clock, appointment.id, Actor(Role.ADMIN, 1), reason="doctor ill"
    )

    assert cancelled.history[-1].reason == "doctor ill"


async def test_a_patient_cannot_cancel_someone_elses_appointment(db, clock, clinic) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))

    with pytest.raises(NotFound):
        await cancel(FakeUnitOfWork(db), clock, appointment.id, Actor(Role.PATIENT, clinic["ben"]))

    assert db.appointments[appointment.id].status == Status.REGISTERED


async def test_a_cancelled_appointment_cannot_be_cancelled_twice(db, clock, clinic) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))
    actor = Actor(Role.PATIENT, clinic["ana"])
    await cancel(FakeUnitOfWork(db), clock, appointment.id, actor)

    with pytest.raises(InvalidTransition):
        await cancel(FakeUnitOfWork(db), clock, appointment.id, actor)


async def test_staff_move_an_appointment_through_its_life(db, clock, clinic) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))
    doctor = Actor(Role.DOCTOR, clinic["doctor"])

    for target in (Status.PENDING, Status.ASSIGNED, Status.COMPLETED):
        await change_status(FakeUnitOfWork(db), clock, appointment.id, target, actor=doctor)

    stored = db.appointments[appointment.id]
    assert [c.to_status for c in stored.history] == [
        Status.REGISTERED,
        Status.PENDING,
        Status.ASSIGNED,
        Status.COMPLETED,
    ]
    assert stored.history[-1].actor == f"doctor:{clinic['doctor']}"


async def test_booking_plans_the_countrys_reminders_in_the_same_transaction(
    db, clock, clinic
) -> None:
    await book(FakeUnitOfWork(db), clock, command(clinic))

    reminders = [(n.template, n.due_at, n.chat_id) for n in db.notifications]
    assert reminders == [
        ("notify.reminder", TUESDAY_10 - timedelta(hours=24), 101),
        ("notify.reminder", TUESDAY_10 - timedelta(hours=2), 101),
    ]


async def test_a_failed_booking_plans_nothing(db, clock, clinic) -> None:
    await book(FakeUnitOfWork(db), clock, command(clinic))

    with pytest.raises(SlotTaken):
        await book(FakeUnitOfWork(db), clock, command(clinic, "ben"))

    assert {n.chat_id for n in db.notifications} == {101}


async def test_a_patients_own_cancellation_withdraws_reminders_and_sends_them_nothing(
    db, clock, clinic
) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))

    await cancel(FakeUnitOfWork(db), clock, appointment.id, Actor(Role.PATIENT, clinic["ana"]))

    assert db.notifications == []


async def test_a_cancellation_by_the_clinic_is_told_to_the_patient_at_once(
    db, clock, clinic
) -> None:
    appointment = await book(FakeUnitOfWork(db), clock, command(clinic))

    await cancel(FakeUnitOfWork(db), clock, appointment.id, Actor(Role.ADMIN, 1))

    [notice] = db.notifications
    assert (notice.template, notice.chat_id, notice.urgent) == (
        "notify.status.cancelled",
        101,
        True,
    )
    assert notice.due_at == clock.now()
    assert notice.params["reference"] == appointment.reference
