"""``domain.actors``: who may see and move which appointment."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor, Role, check_movable, check_visible
from domain.entities import Appointment
from domain.errors import CancellationWindowClosed, InvalidTransition, NotFound, NotRegistered
from domain.status import Status
from tests.unit.conftest import NOW

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima; PE window: 12 h
PATIENT, DOCTOR = 1, 7


def visit() -> Appointment:
    return Appointment.register(
        patient_id=PATIENT,
        doctor_id=DOCTOR,
        specialty_id=1,
        country="PE",
        start=TUESDAY_10,
        end=TUESDAY_10 + timedelta(minutes=30),
        at=NOW,
        actor=f"patient:{PATIENT}",
    )


def test_a_guest_sees_no_appointment() -> None:
    with pytest.raises(NotFound):
        check_visible(Actor(Role.GUEST, None, 555), visit())


@pytest.mark.parametrize(
    "stranger", [Actor(Role.PATIENT, PATIENT + 1), Actor(Role.DOCTOR, DOCTOR + 1)], ids=str
)
def test_someone_elses_appointment_looks_missing(stranger: Actor) -> None:
    with pytest.raises(NotFound):
        check_visible(stranger, visit())


@pytest.mark.parametrize(
    "actor",
    [Actor(Role.PATIENT, PATIENT), Actor(Role.DOCTOR, DOCTOR), Actor(Role.ADMIN, 99)],
    ids=str,
)
def test_the_patient_the_doctor_and_staff_see_the_appointment(actor: Actor) -> None:
    check_visible(actor, visit())


@pytest.mark.parametrize(
    "actor", [Actor(Role.GUEST, None, 555), Actor(Role.DOCTOR, DOCTOR), Actor(Role.SYSTEM)], ids=str
)
def test_patient_id_of_anyone_but_a_patient_raises_not_registered(actor: Actor) -> None:
    with pytest.raises(NotRegistered):
        actor.patient_id()


def test_patient_id_of_a_patient_is_their_id() -> None:
    assert Actor(Role.PATIENT, PATIENT, 101).patient_id() == PATIENT


def test_the_telegram_account_is_not_part_of_who_an_actor_is() -> None:
    assert Actor(Role.PATIENT, PATIENT, 101) == Actor(Role.PATIENT, PATIENT)
    assert str(Actor(Role.PATIENT, PATIENT, 101)) == f"patient:{PATIENT}"


def test_a_patient_may_move_a_visit_up_to_the_window_edge() -> None:
    check_movable(Actor(Role.PATIENT, PATIENT), visit(), TUESDAY_10 - timedelta(hours=12))


def test_a_patient_cannot_move_a_visit_inside_the_window() -> None:
    with pytest.raises(CancellationWindowClosed):
        check_movable(Actor(Role.PATIENT, PATIENT), visit(), TUESDAY_10 - timedelta(hours=11))


def test_staff_may_move_a_visit_inside_the_window() -> None:
    check_movable(Actor(Role.ADMIN, 99), visit(), TUESDAY_10 - timedelta(minutes=5))


def test_a_visit_no_longer_active_cannot_move_for_anyone() -> None:
    appointment = visit()
    appointment.move_to(Status.CANCELLED, at=NOW, actor="admin:99")

    with pytest.raises(InvalidTransition):
        check_movable(Actor(Role.ADMIN, 99), appointment, NOW)
