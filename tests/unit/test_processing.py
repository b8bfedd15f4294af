"""Processing a booking by its country's steps, on the in-memory fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor, Role
from domain.entities import Appointment, Doctor
from domain.errors import OfferClosed
from domain.ports import Deps
from domain.processing import Job, JobState
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.offers import AnswerCommand, answer
from domain.usecases.processing import give_up, process
from tests.unit.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, fake_deps, seed_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
DOCTOR_CHAT, COLLEAGUE_CHAT, ADMIN_CHAT = 900, 901, 77


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db, doctor_chat=DOCTOR_CHAT)


async def add_colleague(db: FakeDatabase, clinic: dict[str, int], chat: int | None) -> Doctor:
    first = db.doctors[clinic["doctor"]]
    colleague = replace(first, id=None, full_name="Dr. Dos", telegram_user_id=chat)
    return await FakeUnitOfWork(db).doctors.add(colleague)


async def booked(deps: Deps, clinic: dict[str, int], who: str = "ana") -> Appointment:
    command = BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10)
    return await book(deps, Actor(Role.PATIENT, clinic[who]), command)


def job_of(db: FakeDatabase, appointment: Appointment) -> Job:
    return next(j for j in db.jobs.values() if j.appointment_id == appointment.id)


async def run(deps: Deps, db: FakeDatabase, appointment: Appointment) -> Appointment:
    await process(deps, job_of(db, appointment).id or 0)
    return db.appointments[appointment.id]


def told(db: FakeDatabase, template: str) -> list[int]:
    return [n.chat_id for n in db.notifications if n.template == template]


def doctor(chat_clinic: dict[str, int], key: str = "doctor") -> Actor:
    return Actor(Role.DOCTOR, chat_clinic[key])


async def test_a_booking_is_stored_registered_with_a_job_due_at_once(db, deps, clinic) -> None:
    appointment = await booked(deps, clinic)

    job = job_of(db, appointment)
    assert (appointment.status, job.state, job.step, job.due) == (
        Status.REGISTERED,
        JobState.QUEUED,
        0,
        deps.clock.now(),
    )
    assert told(db, "notify.status.registered") == []  # the doctor hears of it by an offer


async def test_in_peru_the_linked_doctor_is_offered_the_booking_which_waits_pending(
    db, deps, clinic
) -> None:
    appointment = await run(deps, db, await booked(deps, clinic))

    job = job_of(db, appointment)
    assert appointment.status is Status.PENDING
    assert told(db, "notify.offer") == [DOCTOR_CHAT]
    assert job.offered_to == clinic["doctor"]
    assert job.due == job.deadline == deps.clock.now() + timedelta(hours=2)
    offer = next(n for n in db.notifications if n.template == "notify.offer")
    assert (offer.params["patient"], offer.params["specialty_en"]) == ("Ana", "Cardiology")


async def test_the_deadline_is_never_later_than_an_hour_before_the_visit(
    db, deps, clinic, clock: FakeClock
) -> None:
    clock.set(TUESDAY_10 - timedelta(hours=2, minutes=30))
    appointment = await run(deps, db, await booked(deps, clinic))

    assert job_of(db, appointment).deadline == TUESDAY_10 - timedelta(hours=1)


async def test_accepting_assigns_the_booking_and_tells_the_patient(db, deps, clinic) -> None:
    appointment = await run(deps, db, await booked(deps, clinic))

    await answer(deps, doctor(clinic), AnswerCommand(appointment.id, accept=True))
    appointment = await run(deps, db, appointment)

    assert appointment.status is Status.ASSIGNED
    assert told(db, "notify.status.assigned") == [101]
    assert job_of(db, appointment).state is JobState.DONE
    assert [c.to_status for c in appointment.history if c.from_status != c.to_status] == [
        Status.REGISTERED,
        Status.PENDING,
        Status.ASSIGNED,
    ]
    actions = [e.action for e in db.audit]
    assert "appointment.offered" in actions
    assert "appointment.assigned" in actions


async def test_a_decline_offers_the_booking_to_a_free_colleague_and_tells_the_patient(
    db, deps, clinic
) -> None:
    colleague = await add_colleague(db, clinic, COLLEAGUE_CHAT)
    appointment = await run(deps, db, await booked(deps, clinic))

    await answer(deps, doctor(clinic), AnswerCommand(appointment.id, False, "agenda llena"))
    appointment = await run(deps, db, appointment)

    assert (appointment.status, appointment.doctor_id) == (Status.PENDING, colleague.id)
    assert told(db, "notify.offer") == [DOCTOR_CHAT, COLLEAGUE_CHAT]
    assert told(db, "notify.doctor_changed") == [101]
    assert any("agenda llena" in c.reason for c in appointment.history)


async def test_a_decline_with_no_one_else_free_rejects_and_frees_the_slot(db, deps, clinic) -> None:
    appointment = await run(deps, db, await booked(deps, clinic))

    await answer(deps, doctor(clinic), AnswerCommand(appointment.id, False, "no"))
    appointment = await run(deps, db, appointment)

    assert appointment.status is Status.REJECTED
    notice = next(n for n in db.notifications if n.template == "notify.rejected")
    assert notice.params["reason"] == "declined"
    assert str(clinic["doctor"]) in str(notice.params["alternatives"])
    again = await booked(deps, clinic, "ben")  # the slot is free again
    assert again.start == TUESDAY_10
    assert all(n.appointment_id != appointment.id for n in db.notifications if n.kind == "reminder")


async def test_no_answer_by_the_deadline_is_handled_as_a_decline(
    db, deps, clinic, clock: FakeClock
) -> None:
    appointment = await run(deps, db, await booked(deps, clinic))

    clock.advance(timedelta(hours=2))
    appointment = await run(deps, db, appointment)

    assert appointment.status is Status.REJECTED
    assert told(db, "notify.offer.lapsed") == [DOCTOR_CHAT]
    notice = next(n for n in db.notifications if n.template == "notify.rejected")
    assert notice.params["reason"] == "no_response"


async def test_before_the_deadline_a_run_changes_nothing(db, deps, clinic, clock) -> None:
    appointment = await run(deps, db, await booked(deps, clinic))
    before = len(db.notifications)

    clock.advance(timedelta(minutes=30))
    appointment = await run(deps, db, appointment)

    assert appointment.status is Status.PENDING
    assert len(db.notifications) == before


async def test_accepting_a_booking_the_patient_cancelled_says_so_and_changes_nothing(
    db, deps, clinic
) -> None:
    appointment = await run(deps, db, await booked(deps, clinic))
    await cancel(deps, Actor(Role.PATIENT, clinic["ana"]), CancelCommand(appointment.id))

    with pytest.raises(OfferClosed) as closed:
        await answer(deps, doctor(clinic), AnswerCommand(appointment.id, accept=True))

    assert closed.value.why == "cancelled"
    assert db.appointments[appointment.id].status is Status.CANCELLED


async def test_the_first_doctor_cannot_accept_once_the_booking_passed_on(db, deps, clinic) -> None:
    colleague = await add_colleague(db, clinic, COLLEAGUE_CHAT)
    appointment = await run(deps, db, await booked(deps, clinic))
    await answer(deps, doctor(clinic), AnswerCommand(appointment.id, False, "no"))
    await run(deps, db, appointment)

    with pytest.raises(OfferClosed):
        await answer(deps, doctor(clinic), AnswerCommand(appointment.id, accept=True))
    await answer(deps, Actor(Role.DOCTOR, colleague.id), AnswerCommand(appointment.id, True))

    assert db.appointments[appointment.id].status is Status.ASSIGNED


async def test_in_chile_a_booking_is_assigned_without_anyones_answer(
    db, deps, clinic, clock
) -> None:
    for d in db.doctors.values():
        d.country = "CL"
    clock.set(datetime(2026, 5, 4, 12, 0, tzinfo=UTC))
    appointment = await booked(deps, clinic)
    appointment = await run(deps, db, appointment)

    assert appointment.status is Status.ASSIGNED
    assert told(db, "notify.doctor.assigned") == [DOCTOR_CHAT]


async def test_a_doctor_who_left_fails_the_checks_and_the_booking_is_rejected(
    db, deps, clinic
) -> None:
    appointment = await booked(deps, clinic)
    db.doctors[clinic["doctor"]].active = False

    appointment = await run(deps, db, appointment)

    assert appointment.status is Status.REJECTED
    assert told(db, "notify.offer") == []


async def test_a_job_given_up_rejects_its_booking_and_alerts_the_admins(db, clock, clinic) -> None:
    deps = fake_deps(db, clock, admin_ids=frozenset({ADMIN_CHAT}))
    appointment = await run(deps, db, await booked(deps, clinic))

    await give_up(deps, job_of(db, appointment).id or 0)

    assert db.appointments[appointment.id].status is Status.REJECTED
    assert told(db, "notify.alert.processing") == [ADMIN_CHAT]
    assert told(db, "notify.offer.withdrawn") == [DOCTOR_CHAT]


async def test_an_unlinked_doctors_booking_is_confirmed_by_the_admins(db, clock) -> None:
    clinic = await seed_clinic(db)
    deps = fake_deps(db, clock, admin_ids=frozenset({ADMIN_CHAT}))
    appointment = await run(deps, db, await booked(deps, clinic))

    assert told(db, "notify.offer.admin") == [ADMIN_CHAT]
    await answer(
        deps, Actor(Role.ADMIN, ADMIN_CHAT, ADMIN_CHAT), AnswerCommand(appointment.id, True)
    )
    assert db.appointments[appointment.id].status is Status.ASSIGNED


async def test_doctors_not_answering_alert_the_admins_once_per_window(db, clock, clinic) -> None:
    deps = fake_deps(db, clock, admin_ids=frozenset({ADMIN_CHAT}))
    first = await run(deps, db, await booked(deps, clinic))
    later = BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10 + timedelta(hours=1))
    second = await book(deps, Actor(Role.PATIENT, clinic["ben"]), later)
    second = await run(deps, db, second)
    clock.advance(timedelta(hours=2))

    await run(deps, db, first)
    await run(deps, db, second)

    assert [db.appointments[a.id].status for a in (first, second)] == [Status.REJECTED] * 2
    assert told(db, "notify.alert.lapsed") == [ADMIN_CHAT]
