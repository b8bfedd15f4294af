from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor, Role
from domain.errors import (
    CancellationWindowClosed,
    InvalidTransition,
    NotFound,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
)
from domain.queries import SlotQuery, open_slots
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.status import StatusCommand, change_status
from tests.unit.fakes import FakeDatabase, FakeUnitOfWork, seed_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


def patient(clinic: dict[str, int], who: str = "ana") -> Actor:
    return Actor(Role.PATIENT, clinic[who])


def command(clinic: dict[str, int], start: datetime = TUESDAY_10) -> BookCommand:
    return BookCommand(clinic["doctor"], clinic["specialty"], start)


async def test_booking_a_free_slot_registers_the_appointment(db, deps, clinic) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))

    assert appointment.status == Status.REGISTERED
    assert appointment.end - appointment.start == timedelta(minutes=30)
    assert db.appointments[appointment.id].reference == appointment.reference


async def test_a_booked_slot_is_no_longer_offered(deps, clinic) -> None:
    await book(deps, patient(clinic), command(clinic))

    query = SlotQuery(
        "PE", clinic["specialty"], clinic["doctor"], TUESDAY_10.date(), TUESDAY_10.date()
    )
    slots = [s.slot for s in await open_slots(deps, query)]

    assert TUESDAY_10 not in [s.start for s in slots]
    assert TUESDAY_10 + timedelta(minutes=30) in [s.start for s in slots]


async def test_booking_a_slot_someone_holds_is_refused_as_taken(db, deps, clinic) -> None:
    await book(deps, patient(clinic), command(clinic))

    with pytest.raises(SlotTaken):
        await book(deps, patient(clinic, "ben"), command(clinic))

    assert len(db.appointments) == 1


async def test_a_lost_race_at_commit_is_reported_as_slot_taken(db, deps, clinic) -> None:
    # Both read the slot as free; the second commit meets the constraint.
    slow = FakeUnitOfWork(db)
    fast_result = book(deps, patient(clinic), command(clinic))
    original_commit = slow.commit

    async def commit_after_the_other() -> None:
        await fast_result
        await original_commit()

    slow.commit = commit_after_the_other  # type: ignore[method-assign]

    with pytest.raises(SlotTaken):
        await book(replace(deps, uow=lambda **_: slow), patient(clinic, "ben"), command(clinic))
    assert len(db.appointments) == 1


async def test_a_time_outside_working_hours_cannot_be_booked(deps, clinic) -> None:
    lunch = datetime(2026, 5, 5, 18, 0, tzinfo=UTC)  # 13:00 in Lima

    with pytest.raises(SlotUnavailable):
        await book(deps, patient(clinic), command(clinic, lunch))


async def test_a_time_inside_the_lead_time_cannot_be_booked(deps, clinic) -> None:
    too_soon = datetime(2026, 5, 4, 14, 30, tzinfo=UTC)  # 09:30 today, lead time is 2 h

    with pytest.raises(SlotUnavailable):
        await book(deps, patient(clinic), command(clinic, too_soon))


async def test_a_patient_cannot_hold_two_overlapping_appointments(db, deps, clinic) -> None:
    uow = FakeUnitOfWork(db)
    other = await uow.doctors.add(db.doctors[clinic["doctor"]])
    await book(deps, patient(clinic), command(clinic))

    with pytest.raises(PatientOverlap):
        await book(
            deps, patient(clinic), BookCommand(other.id or 0, clinic["specialty"], TUESDAY_10)
        )


async def test_booking_with_a_doctor_of_another_specialty_is_refused(deps, clinic) -> None:
    with pytest.raises(NotFound):
        await book(deps, patient(clinic), BookCommand(clinic["doctor"], 999, TUESDAY_10))


async def test_a_patient_cancels_before_the_window_and_the_slot_is_free_again(
    db, deps, clinic
) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))

    cancelled = await cancel(deps, patient(clinic), CancelCommand(appointment.id))

    assert cancelled.status == Status.CANCELLED
    assert db.appointments[appointment.id].status == Status.CANCELLED
    again = await book(deps, patient(clinic, "ben"), command(clinic))
    assert again.start == TUESDAY_10


async def test_a_patient_cannot_cancel_inside_the_window(db, clock, deps, clinic) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))
    clock.set(TUESDAY_10 - timedelta(hours=11, minutes=59))  # window is 12 h in Peru

    with pytest.raises(CancellationWindowClosed):
        await cancel(deps, patient(clinic), CancelCommand(appointment.id))

    assert db.appointments[appointment.id].status == Status.REGISTERED


async def test_a_patient_can_cancel_exactly_at_the_window_edge(clock, deps, clinic) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))
    clock.set(TUESDAY_10 - timedelta(hours=12))

    cancelled = await cancel(deps, patient(clinic), CancelCommand(appointment.id))

    assert cancelled.status == Status.CANCELLED


async def test_staff_may_cancel_inside_the_window(clock, deps, clinic) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))
    clock.set(TUESDAY_10 - timedelta(hours=1))

    cancelled = await cancel(
        deps, Actor(Role.ADMIN, 1), CancelCommand(appointment.id, reason="doctor ill")
    )

    assert cancelled.history[-1].reason == "doctor ill"


async def test_a_patient_cannot_cancel_someone_elses_appointment(db, deps, clinic) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))

    with pytest.raises(NotFound):
        await cancel(deps, patient(clinic, "ben"), CancelCommand(appointment.id))

    assert db.appointments[appointment.id].status == Status.REGISTERED


async def test_a_cancelled_appointment_cannot_be_cancelled_twice(deps, clinic) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))
    actor = patient(clinic)
    await cancel(deps, actor, CancelCommand(appointment.id))

    with pytest.raises(InvalidTransition):
        await cancel(deps, actor, CancelCommand(appointment.id))


async def test_staff_move_an_appointment_through_its_life(db, deps, clock, clinic) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))
    doctor = Actor(Role.DOCTOR, clinic["doctor"])

    for target in (Status.PENDING, Status.ASSIGNED):
        await change_status(deps, doctor, StatusCommand(appointment.id, target))
    clock.advance(TUESDAY_10 - clock.now())  # a doctor completes a visit once it started
    await change_status(deps, doctor, StatusCommand(appointment.id, Status.COMPLETED))

    stored = db.appointments[appointment.id]
    assert [c.to_status for c in stored.history] == [
        Status.REGISTERED,
        Status.PENDING,
        Status.ASSIGNED,
        Status.COMPLETED,
    ]
    assert stored.history[-1].actor == f"doctor:{clinic['doctor']}"


async def test_booking_plans_the_countrys_reminders_in_the_same_transaction(
    db, deps, clinic
) -> None:
    await book(deps, patient(clinic), command(clinic))

    reminders = [(n.template, n.due_at, n.chat_id) for n in db.notifications]
    assert reminders == [
        ("notify.reminder", TUESDAY_10 - timedelta(hours=24), 101),
        ("notify.reminder", TUESDAY_10 - timedelta(hours=2), 101),
    ]


async def test_a_failed_booking_plans_nothing(db, deps, clinic) -> None:
    await book(deps, patient(clinic), command(clinic))

    with pytest.raises(SlotTaken):
        await book(deps, patient(clinic, "ben"), command(clinic))

    assert {n.chat_id for n in db.notifications} == {101}


async def test_a_patients_own_cancellation_withdraws_reminders_and_sends_them_nothing(
    db, deps, clinic
) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))

    await cancel(deps, patient(clinic), CancelCommand(appointment.id))

    assert db.notifications == []


async def test_a_cancellation_by_the_clinic_is_told_to_the_patient_at_once(
    db, clock, deps, clinic
) -> None:
    appointment = await book(deps, patient(clinic), command(clinic))

    await cancel(deps, Actor(Role.ADMIN, 1), CancelCommand(appointment.id))

    [notice] = db.notifications
    assert (notice.template, notice.chat_id, notice.urgent) == (
        "notify.status.cancelled",
        101,
        True,
    )
    assert notice.due_at == clock.now()
    assert notice.params["reference"] == appointment.reference
