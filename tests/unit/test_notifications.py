from datetime import UTC, datetime, timedelta

import pytest

from domain.countries import get_country
from domain.entities import Appointment
from domain.notifications import (
    Kind,
    after_quiet_hours,
    parse_offsets,
    plan_reminders,
    status_notice,
)
from domain.status import Status

LIMA = get_country("PE").timezone
SANTIAGO = get_country("CL").timezone


def appointment_at(local: datetime) -> Appointment:
    start = local.astimezone(UTC)
    return Appointment.register(
        patient_id=1,
        doctor_id=1,
        specialty_id=1,
        country="PE",
        start=start,
        end=start + timedelta(minutes=30),
        at=start - timedelta(days=5),
        actor="patient:1",
    )


def local(when: datetime, zone) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def test_peruvian_reminders_come_24_and_2_hours_before() -> None:
    visit = appointment_at(datetime(2026, 5, 6, 15, 0, tzinfo=LIMA))
    now = datetime(2026, 5, 1, tzinfo=UTC)

    planned = plan_reminders(visit, 7, get_country("PE").reminder_offsets, LIMA, now)

    assert [local(n.due_at, LIMA) for n in planned] == ["2026-05-05 15:00", "2026-05-06 13:00"]
    assert {n.kind for n in planned} == {Kind.REMINDER}
    assert len({n.dedupe_key for n in planned}) == 2


def test_chilean_reminders_come_48_and_3_hours_before() -> None:
    visit = appointment_at(datetime(2026, 5, 6, 15, 0, tzinfo=SANTIAGO))
    now = datetime(2026, 5, 1, tzinfo=UTC)

    planned = plan_reminders(visit, 7, get_country("CL").reminder_offsets, SANTIAGO, now)

    assert [local(n.due_at, SANTIAGO) for n in planned] == ["2026-05-04 15:00", "2026-05-06 12:00"]


def test_a_reminder_due_in_quiet_hours_moves_to_the_minute_before_they_begin() -> None:
    visit = appointment_at(datetime(2026, 5, 6, 9, 0, tzinfo=LIMA))  # 2 h before is 07:00
    now = datetime(2026, 5, 1, tzinfo=UTC)

    planned = plan_reminders(visit, 7, (timedelta(hours=2), timedelta(hours=13)), LIMA, now)

    # 07:00 and 20:00 the evening before: the first is quiet, the second is not.
    assert [local(n.due_at, LIMA) for n in planned] == ["2026-05-05 20:59", "2026-05-05 20:00"]


def test_a_reminder_whose_time_has_passed_at_booking_is_not_planned() -> None:
    visit = appointment_at(datetime(2026, 5, 6, 15, 0, tzinfo=LIMA))
    now = datetime(2026, 5, 5, 16, 0, tzinfo=LIMA)  # 23 h before

    planned = plan_reminders(visit, 7, (timedelta(hours=24), timedelta(hours=2)), LIMA, now)

    assert [local(n.due_at, LIMA) for n in planned] == ["2026-05-06 13:00"]


def test_a_cancellation_goes_out_at_night_but_a_confirmation_waits_for_morning() -> None:
    night = datetime(2026, 5, 5, 23, 30, tzinfo=LIMA)
    cancelled = appointment_at(datetime(2026, 5, 6, 15, 0, tzinfo=LIMA))
    cancelled.move_to(Status.CANCELLED, at=night, actor="admin:1")
    assigned = appointment_at(datetime(2026, 5, 6, 15, 0, tzinfo=LIMA))
    assigned.move_to(Status.ASSIGNED, at=night, actor="doctor:1")

    urgent = status_notice(cancelled, 7, LIMA, night)
    calm = status_notice(assigned, 7, LIMA, night)

    assert (urgent.urgent, urgent.due_at) == (True, night)
    assert local(calm.due_at, LIMA) == "2026-05-06 08:00"
    assert after_quiet_hours(night.replace(hour=12), LIMA) == night.replace(hour=12)


def test_the_patient_and_the_doctor_each_get_their_own_status_message() -> None:
    now = datetime(2026, 5, 5, 10, 0, tzinfo=LIMA)
    cancelled = appointment_at(datetime(2026, 5, 6, 15, 0, tzinfo=LIMA))
    cancelled.move_to(Status.CANCELLED, at=now, actor="admin:1")

    patient, doctor = status_notice(cancelled, 7, LIMA, now), status_notice(cancelled, 8, LIMA, now)

    # One outbox row each: rows with the same dedupe key are queued only once.
    assert patient.dedupe_key != doctor.dedupe_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h,2h", (timedelta(hours=24), timedelta(hours=2))),
        ("2h, 24h", (timedelta(hours=24), timedelta(hours=2))),
        ("90s", (timedelta(seconds=90),)),
        ("2m", (timedelta(minutes=2),)),
    ],
)
def test_reminder_offsets_are_read_from_short_durations(text: str, expected: tuple) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "0h", "2x", "-1h"])
def test_malformed_reminder_offsets_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r".*"):
        parse_offsets(text)
