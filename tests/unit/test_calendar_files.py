"""When a patient's calendar needs a file: only for visits the clinic has confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.calendar_files import Method, Place, calendar_due, calendar_file
from domain.entities import Appointment
from domain.notifications import Kind
from domain.status import Status

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
