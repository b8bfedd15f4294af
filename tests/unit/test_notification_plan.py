"""``domain.notifications.plan``: who hears of a change, and what happens to reminders."""

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.actors import Actor, Role
from domain.entities import Appointment, Doctor, Patient
from domain.notifications import Change, Kind, plan
from domain.schedule import weekdays_plan
from domain.status import Status
from tests.unit.conftest import NOW

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
WEDNESDAY_11 = datetime(2026, 5, 6, 16, 0, tzinfo=UTC)  # 11:00 in Lima
PATIENT_CHAT, DOCTOR_CHAT = 101, 900

ANA = Patient(1, PATIENT_CHAT, "Ana Quispe", "10117410", "+51987654321", "es", "PE")
DOCTOR = Doctor(
    7, "Dra. Lucía", "PE", (1,), weekdays_plan(time(9), time(18)), telegram_user_id=DOCTOR_CHAT
)
AS_ANA = Actor(Role.PATIENT, ANA.id, PATIENT_CHAT)
AS_DOCTOR = Actor(Role.DOCTOR, DOCTOR.id, DOCTOR_CHAT)
AS_ADMIN = Actor(Role.ADMIN, 1)


def visit() -> Appointment:
    return Appointment.register(
        patient_id=ANA.id or 0,
        doctor_id=DOCTOR.id or 0,
        specialty_id=1,
        country="PE",
        start=TUESDAY_10,
        end=TUESDAY_10 + timedelta(minutes=30),
        at=NOW,
        actor=str(AS_ANA),
    )


def moved_visit(actor: Actor) -> Appointment:
    appointment = visit()
    end = WEDNESDAY_11 + timedelta(minutes=30)
    appointment.move_time(WEDNESDAY_11, end, at=NOW, actor=str(actor))
    return appointment


def told(change: Change) -> set[int]:
    return {n.chat_id for n in plan(change).notifications if n.kind is Kind.STATUS}


def test_a_new_booking_plans_the_patients_reminders_and_leaves_the_doctor_to_processing() -> None:
    result = plan(Change(visit(), AS_ANA, ANA, DOCTOR, NOW))

    assert [(n.kind, n.chat_id, n.due_at) for n in result.notifications] == [
        (Kind.REMINDER, PATIENT_CHAT, TUESDAY_10 - timedelta(hours=24)),
        (Kind.REMINDER, PATIENT_CHAT, TUESDAY_10 - timedelta(hours=2)),
    ]
    assert (result.withdraw_reminders, result.retime) == (False, False)


@pytest.mark.parametrize("moved", [False, True], ids=["status", "move"])
@pytest.mark.parametrize(
    ("actor", "other_chat"), [(AS_ANA, DOCTOR_CHAT), (AS_DOCTOR, PATIENT_CHAT)], ids=str
)
def test_the_actor_is_never_told_of_their_own_change(actor, other_chat, moved) -> None:
    appointment = moved_visit(actor) if moved else visit()
    if not moved:
        appointment.move_to(Status.CANCELLED, at=NOW, actor=str(actor))

    assert told(Change(appointment, actor, ANA, DOCTOR, NOW, moved)) == {other_chat}


def test_the_actor_is_recognised_without_their_telegram_account() -> None:
    appointment = visit()
    appointment.move_to(Status.CANCELLED, at=NOW, actor=str(AS_ANA))

    assert told(Change(appointment, Actor(Role.PATIENT, ANA.id), ANA, DOCTOR, NOW)) == {DOCTOR_CHAT}


def test_a_change_made_by_the_clinic_is_told_to_the_patient_and_the_doctor() -> None:
    appointment = visit()
    appointment.move_to(Status.CANCELLED, at=NOW, actor=str(AS_ADMIN))

    assert told(Change(appointment, AS_ADMIN, ANA, DOCTOR, NOW)) == {PATIENT_CHAT, DOCTOR_CHAT}


def test_a_moved_visit_withdraws_its_reminders_and_plans_them_for_the_new_time() -> None:
    appointment = moved_visit(AS_ANA)

    result = plan(Change(appointment, AS_ANA, ANA, DOCTOR, NOW, moved=True))

    reminders = [n for n in result.notifications if n.kind is Kind.REMINDER]
    assert (result.withdraw_reminders, result.retime) == (True, True)
    assert [n.due_at for n in reminders] == [
        WEDNESDAY_11 - timedelta(hours=24),
        WEDNESDAY_11 - timedelta(hours=2),
    ]
    assert all(n.dedupe_key.endswith(f":r{len(appointment.history)}") for n in reminders)
    [notice] = [n for n in result.notifications if n.kind is Kind.STATUS]
    assert (notice.template, notice.chat_id) == ("notify.rescheduled", DOCTOR_CHAT)


def test_a_cancelled_visit_withdraws_its_reminders_and_plans_no_new_ones() -> None:
    appointment = visit()
    appointment.move_to(Status.CANCELLED, at=NOW, actor=str(AS_ADMIN))

    result = plan(Change(appointment, AS_ADMIN, ANA, DOCTOR, NOW))

    assert (result.withdraw_reminders, result.retime) == (True, False)
    assert [n.kind for n in result.notifications] == [Kind.STATUS, Kind.STATUS]
    assert all(n.urgent and n.due_at == NOW for n in result.notifications)


def test_a_confirmed_visit_keeps_the_reminders_already_queued() -> None:
    appointment = visit()
    appointment.move_to(Status.ASSIGNED, at=NOW, actor=str(AS_DOCTOR))

    result = plan(Change(appointment, AS_DOCTOR, ANA, DOCTOR, NOW))

    assert result.withdraw_reminders is False
    assert [(n.template, n.chat_id) for n in result.notifications] == [
        ("notify.status.assigned", PATIENT_CHAT)
    ]


def test_reminder_offsets_given_replace_the_countrys_own() -> None:
    offsets = (timedelta(minutes=90),)

    result = plan(Change(visit(), AS_ANA, ANA, DOCTOR, NOW, reminder_offsets=offsets))

    reminders = [n.due_at for n in result.notifications if n.kind is Kind.REMINDER]
    assert reminders == [TUESDAY_10 - timedelta(minutes=90)]


def test_a_doctor_without_telegram_and_a_missing_patient_are_told_nothing() -> None:
    appointment = visit()
    appointment.move_to(Status.CANCELLED, at=NOW, actor=str(AS_ADMIN))
    unlinked = Doctor(7, "Dra. Lucía", "PE", (1,), DOCTOR.plan)

    assert plan(Change(appointment, AS_ADMIN, None, unlinked, NOW)).notifications == []


def test_every_planned_message_names_the_reference_the_time_and_the_doctor() -> None:
    appointment = visit()

    result = plan(Change(appointment, AS_ANA, ANA, DOCTOR, NOW))

    assert {tuple(sorted(n.params.items())) for n in result.notifications} == {
        (
            ("country", "PE"),
            ("doctor", "Dra. Lucía"),
            ("reference", appointment.reference),
            ("start", int(TUESDAY_10.timestamp())),
        )
    }
