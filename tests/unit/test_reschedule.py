from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor, Role
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
from domain.ports import Deps
from domain.queries import SlotQuery, open_slots
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.reschedule import RescheduleCommand, reschedule
from domain.usecases.status import StatusCommand, change_status
from tests.unit.conftest import NOW
from tests.unit.fakes import FakeDatabase, FakeUnitOfWork, seed_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
WEDNESDAY_11 = datetime(2026, 5, 6, 16, 0, tzinfo=UTC)  # 11:00 in Lima
DOCTOR_CHAT = 900


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db, DOCTOR_CHAT)


async def booked(
    db: FakeDatabase, deps: Deps, clinic: dict[str, int], who: str = "ana",
    start: datetime = TUESDAY_10,
) -> Appointment:  # fmt: skip
    command = BookCommand(clinic["doctor"], clinic["specialty"], start)
    appointment = await book(deps, Actor(Role.PATIENT, clinic[who]), command)
    db.notifications = [n for n in db.notifications if n.kind is Kind.REMINDER]
    return appointment


def ana(clinic: dict[str, int]) -> Actor:
    return Actor(Role.PATIENT, clinic["ana"])


def move_to(appointment: Appointment, start: datetime) -> RescheduleCommand:
    return RescheduleCommand(appointment.id, start)


async def test_a_moved_appointment_keeps_its_reference_and_status_and_frees_the_old_time(
    db, deps, clinic
) -> None:
    appointment = await booked(db, deps, clinic)

    moved = await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    stored = db.appointments[appointment.id]
    assert (stored.reference, stored.status) == (appointment.reference, Status.REGISTERED)
    assert (stored.start, stored.end) == (WEDNESDAY_11, WEDNESDAY_11 + timedelta(minutes=30))
    assert moved.start == WEDNESDAY_11
    query = SlotQuery(
        "PE", clinic["specialty"], clinic["doctor"], TUESDAY_10.date(), WEDNESDAY_11.date()
    )
    tuesday = [s.slot for s in await open_slots(deps, query)]
    starts = [s.start for s in tuesday]
    assert TUESDAY_10 in starts
    assert WEDNESDAY_11 not in starts


async def test_the_history_records_who_moved_it_and_from_which_time(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)

    await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    entry = db.appointments[appointment.id].history[-1]
    assert (entry.from_status, entry.to_status) == (Status.REGISTERED, Status.REGISTERED)
    assert entry.reason == "rescheduled from 2026-05-05T15:00:00+00:00"
    assert (entry.actor, entry.at) == (f"patient:{clinic['ana']}", NOW)


async def test_an_assigned_appointment_stays_assigned_when_moved(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)
    doctor = Actor(Role.DOCTOR, clinic["doctor"])
    await change_status(deps, doctor, StatusCommand(appointment.id, Status.ASSIGNED))

    await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    assert db.appointments[appointment.id].status is Status.ASSIGNED


async def test_a_status_message_waiting_for_the_morning_names_the_new_time(
    db, deps, clock, clinic
) -> None:
    appointment = await booked(db, deps, clinic)
    clock.set(datetime(2026, 5, 5, 3, 0, tzinfo=UTC))  # Monday 22:00 in Lima
    doctor = Actor(Role.DOCTOR, clinic["doctor"])
    await change_status(deps, doctor, StatusCommand(appointment.id, Status.ASSIGNED))

    await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    [waiting] = [n for n in db.notifications if n.template == "notify.status.assigned"]
    assert waiting.due_at > clock.now()  # held for the morning
    assert waiting.params["start"] == int(WEDNESDAY_11.timestamp())


async def test_moving_withdraws_the_old_reminders_and_plans_the_new_times(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)

    await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    reminders = [(n.due_at, n.chat_id) for n in db.notifications if n.kind is Kind.REMINDER]
    assert reminders == [
        (WEDNESDAY_11 - timedelta(hours=24), 101),
        (WEDNESDAY_11 - timedelta(hours=2), 101),
    ]
    withdrawn = [n.due_at for n in db.withdrawn if n.kind is Kind.REMINDER]
    assert withdrawn == [TUESDAY_10 - timedelta(hours=24), TUESDAY_10 - timedelta(hours=2)]


async def test_moving_back_to_an_earlier_time_plans_its_reminders_again(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)
    await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    await reschedule(deps, ana(clinic), move_to(appointment, TUESDAY_10))

    reminders = [n.due_at for n in db.notifications if n.kind is Kind.REMINDER]
    assert reminders == [TUESDAY_10 - timedelta(hours=24), TUESDAY_10 - timedelta(hours=2)]


async def test_the_doctor_hears_of_a_patients_move_and_the_patient_sees_it_in_the_chat(
    db, deps, clinic
) -> None:
    appointment = await booked(db, deps, clinic)

    await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    [notice] = [n for n in db.notifications if n.kind is Kind.STATUS]
    assert (notice.template, notice.chat_id, notice.urgent) == (
        "notify.rescheduled",
        DOCTOR_CHAT,
        False,
    )
    assert notice.params["start"] == int(WEDNESDAY_11.timestamp())
    assert notice.params["reference"] == appointment.reference


async def test_a_move_by_the_clinic_is_told_to_the_patient_and_the_doctor(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)

    await reschedule(deps, Actor(Role.ADMIN, 1), move_to(appointment, WEDNESDAY_11))

    told = {n.chat_id for n in db.notifications if n.template == "notify.rescheduled"}
    assert told == {101, DOCTOR_CHAT}


async def test_a_patient_cannot_move_a_visit_inside_the_cancellation_window(
    db, deps, clock, clinic
) -> None:
    appointment = await booked(db, deps, clinic)
    clock.set(TUESDAY_10 - timedelta(hours=11))  # PE window: 12 h

    with pytest.raises(CancellationWindowClosed):
        await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

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
async def test_a_visit_cannot_move_to_a_time_that_is_not_bookable(db, deps, clinic, start) -> None:
    appointment = await booked(db, deps, clinic)

    with pytest.raises(SlotUnavailable):
        await reschedule(deps, ana(clinic), move_to(appointment, start))

    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_visit_cannot_move_to_a_time_someone_else_holds(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)
    await booked(db, deps, clinic, "ben", WEDNESDAY_11)

    with pytest.raises(SlotTaken):
        await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))

    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_visit_cannot_move_onto_another_visit_of_the_same_patient(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)
    other_doctor = replace(db.doctors[clinic["doctor"]], id=None, telegram_user_id=None)
    other = await FakeUnitOfWork(db).doctors.add(other_doctor)
    await book(deps, ana(clinic), BookCommand(other.id or 0, clinic["specialty"], WEDNESDAY_11))

    with pytest.raises(PatientOverlap):
        await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))


async def test_a_lost_race_for_the_new_time_is_slot_taken_and_changes_nothing(
    db, deps, clinic
) -> None:
    appointment = await booked(db, deps, clinic)
    slow = FakeUnitOfWork(db)
    command = BookCommand(clinic["doctor"], clinic["specialty"], WEDNESDAY_11)
    fast = book(deps, Actor(Role.PATIENT, clinic["ben"]), command)
    original_commit = slow.commit

    async def commit_after_the_other() -> None:
        await fast
        await original_commit()

    slow.commit = commit_after_the_other  # type: ignore[method-assign]

    with pytest.raises(SlotTaken):
        await reschedule(
            replace(deps, uow=lambda **_: slow), ana(clinic), move_to(appointment, WEDNESDAY_11)
        )
    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_patient_cannot_move_someone_elses_appointment(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)

    with pytest.raises(NotFound):
        await reschedule(deps, Actor(Role.PATIENT, 2), move_to(appointment, WEDNESDAY_11))

    assert db.appointments[appointment.id].start == TUESDAY_10


async def test_a_cancelled_appointment_cannot_be_moved(db, deps, clinic) -> None:
    appointment = await booked(db, deps, clinic)
    await cancel(deps, ana(clinic), CancelCommand(appointment.id))

    with pytest.raises(InvalidTransition):
        await reschedule(deps, ana(clinic), move_to(appointment, WEDNESDAY_11))
