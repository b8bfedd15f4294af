"""When a patient's calendar needs a file: only for visits the clinic has confirmed, and
again whenever the patient asks for a confirmed visit's file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor, Role
from domain.calendar_files import Method, Place, calendar_due, calendar_file
from domain.entities import Appointment
from domain.errors import InvalidTransition, NotFound, NotRegistered
from domain.notifications import Kind, Notification
from domain.ports import Deps
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.calendar_files import send_calendar_file_again
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.status import StatusCommand, change_status
from tests.unit.fakes import FakeClock, FakeDatabase, seed_clinic

NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)


def booking() -> Appointment:
    start = NOW + timedelta(days=1)
    return Appointment.register(
        patient_id=1,
        doctor_id=2,
        specialty_id=3,
        country="PE",
        start=start,
        end=start + timedelta(minutes=30),
        at=NOW,
        actor="patient:1",
    )


def test_a_new_or_pending_booking_is_in_no_calendar_yet() -> None:
    appointment = booking()
    assert calendar_due(appointment, moved=False) is None
    appointment.move_to(Status.PENDING, at=NOW, actor="system")
    assert calendar_due(appointment, moved=True) is None


def test_a_confirmed_visit_is_sent_and_a_moved_one_sent_again() -> None:
    appointment = booking()
    appointment.move_to(Status.ASSIGNED, at=NOW, actor="system")
    assert calendar_due(appointment, moved=False) is Method.REQUEST
    appointment.move_time(
        appointment.start + timedelta(hours=1),
        appointment.end + timedelta(hours=1),
        at=NOW,
        actor="x",
    )
    assert calendar_due(appointment, moved=True) is Method.REQUEST


def test_a_note_on_a_confirmed_visit_sends_nothing() -> None:
    appointment = booking()
    appointment.move_to(Status.ASSIGNED, at=NOW, actor="system")
    appointment.note("patient will attend", at=NOW, actor="patient:1")
    assert calendar_due(appointment, moved=False) is None


def test_only_a_visit_that_was_confirmed_is_cancelled_in_the_calendar() -> None:
    never, confirmed = booking(), booking()
    confirmed.move_to(Status.ASSIGNED, at=NOW, actor="system")
    for appointment in (never, confirmed):
        appointment.move_to(Status.CANCELLED, at=NOW, actor="admin:1")

    assert calendar_due(never, moved=False) is None
    assert calendar_due(confirmed, moved=False) is Method.CANCEL


def test_each_version_has_a_higher_sequence_and_its_own_dedupe_key() -> None:
    appointment = booking()
    appointment.move_to(Status.ASSIGNED, at=NOW, actor="system")
    first = calendar_file(appointment, 7, Method.REQUEST, Place(), doctor="Dr. A", due_at=NOW)
    appointment.move_to(Status.CANCELLED, at=NOW, actor="admin:1")
    second = calendar_file(appointment, 7, Method.CANCEL, Place(), doctor="Dr. A", due_at=NOW)

    assert first.kind is Kind.CALENDAR
    assert int(first.params["sequence"]) < int(second.params["sequence"])
    assert first.dedupe_key != second.dedupe_key
    assert first.params["minutes"] == 30
    assert second.urgent


TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
ADMIN = Actor(Role.ADMIN, 1, 1)


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


def ana(clinic: dict[str, int]) -> Actor:
    return Actor(Role.PATIENT, clinic["ana"])


async def booked(deps: Deps, clinic: dict[str, int]) -> Appointment:
    command = BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10)
    return await book(deps, ana(clinic), command)


async def confirmed(deps: Deps, clinic: dict[str, int]) -> Appointment:
    appointment = await booked(deps, clinic)
    return await change_status(deps, ADMIN, StatusCommand(appointment.id, Status.ASSIGNED))


def calendar_rows(db: FakeDatabase) -> list[Notification]:
    return [n for n in db.notifications if n.kind is Kind.CALENDAR]


async def test_a_patient_asking_again_gets_the_same_version_of_the_confirmed_visit_at_once(
    db: FakeDatabase, deps: Deps, clock: FakeClock, clinic: dict[str, int]
) -> None:
    appointment = await confirmed(deps, clinic)
    clock.set(datetime(2026, 5, 5, 2, 0, tzinfo=UTC))  # Monday 21:00 in Lima: quiet hours

    await send_calendar_file_again(deps, ana(clinic), appointment.id)

    automatic, again = calendar_rows(db)
    assert (again.chat_id, again.template) == (101, "calendar.request")
    assert again.appointment_id == automatic.appointment_id == appointment.id
    assert again.params == automatic.params  # the same UID and SEQUENCE: the same event
    assert again.params["sequence"] == len(db.appointments[appointment.id].history)
    assert (again.due_at, again.urgent) == (clock.now(), True)
    assert again.dedupe_key != automatic.dedupe_key


async def test_every_later_request_sends_the_file_again_and_a_double_tap_sends_it_once(
    db: FakeDatabase, deps: Deps, clock: FakeClock, clinic: dict[str, int]
) -> None:
    appointment = await confirmed(deps, clinic)

    await send_calendar_file_again(deps, ana(clinic), appointment.id)
    await send_calendar_file_again(deps, ana(clinic), appointment.id)  # the same second
    clock.advance(timedelta(minutes=5))
    await send_calendar_file_again(deps, ana(clinic), appointment.id)

    assert len(calendar_rows(db)) == 3  # the automatic one and two requests
    assert len({n.dedupe_key for n in calendar_rows(db)}) == 3


async def test_only_the_visits_own_patient_may_ask_for_its_file(
    db: FakeDatabase, deps: Deps, clinic: dict[str, int]
) -> None:
    appointment = await confirmed(deps, clinic)

    with pytest.raises(NotFound):
        await send_calendar_file_again(deps, Actor(Role.PATIENT, clinic["ben"]), appointment.id)
    with pytest.raises(NotRegistered):
        await send_calendar_file_again(deps, Actor(Role.DOCTOR, clinic["doctor"]), appointment.id)
    assert len(calendar_rows(db)) == 1


async def test_a_visit_not_confirmed_or_called_off_has_no_file_to_send_again(
    db: FakeDatabase, deps: Deps, clinic: dict[str, int]
) -> None:
    waiting = await booked(deps, clinic)
    with pytest.raises(InvalidTransition):
        await send_calendar_file_again(deps, ana(clinic), waiting.id)

    await change_status(deps, ADMIN, StatusCommand(waiting.id, Status.ASSIGNED))
    await cancel(deps, ana(clinic), CancelCommand(waiting.id, reason="patient"))
    with pytest.raises(InvalidTransition):
        await send_calendar_file_again(deps, ana(clinic), waiting.id)

    assert [n.template for n in calendar_rows(db)] == ["calendar.request", "calendar.cancel"]
