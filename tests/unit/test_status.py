from datetime import UTC, datetime
from itertools import product

import pytest

from domain.entities import Appointment
from domain.errors import InvalidTransition
from domain.status import ACTIVE_STATUSES, Status

AT = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)

ALLOWED = {
    (Status.REGISTERED, Status.PENDING),
    (Status.REGISTERED, Status.ASSIGNED),
    (Status.REGISTERED, Status.CANCELLED),
    (Status.REGISTERED, Status.REJECTED),
    (Status.PENDING, Status.ASSIGNED),
    (Status.PENDING, Status.CANCELLED),
    (Status.PENDING, Status.REJECTED),
    (Status.ASSIGNED, Status.COMPLETED),
    (Status.ASSIGNED, Status.NO_SHOW),
    (Status.ASSIGNED, Status.CANCELLED),
}
FORBIDDEN = set(product(Status, Status)) - ALLOWED


def appointment_in(status: Status) -> Appointment:
    appointment = Appointment.register(
        patient_id=1,
        doctor_id=1,
        specialty_id=1,
        country="PE",
        start=AT,
        end=AT,
        at=AT,
        actor="patient:1",
    )
    appointment.status = status
    return appointment


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_an_allowed_transition_changes_the_status_and_is_recorded(
    current: Status, target: Status
) -> None:
    appointment = appointment_in(current)

    appointment.move_to(target, at=AT, actor="admin:9", reason="because")

    assert appointment.status == target
    last = appointment.history[-1]
    assert (last.from_status, last.to_status, last.actor, last.reason) == (
        current,
        target,
        "admin:9",
        "because",
    )


@pytest.mark.parametrize(("current", "target"), sorted(FORBIDDEN))
def test_a_forbidden_transition_raises_and_changes_nothing(current: Status, target: Status) -> None:
    appointment = appointment_in(current)
    history_before = list(appointment.history)

    with pytest.raises(InvalidTransition):
        appointment.move_to(target, at=AT, actor="admin:9")

    assert appointment.status == current
    assert appointment.history == history_before


def test_a_new_appointment_is_registered_and_holds_its_slot() -> None:
    appointment = appointment_in(Status.REGISTERED)

    assert appointment.history[0].to_status == Status.REGISTERED
    assert appointment.is_active
    assert {Status.REGISTERED, Status.PENDING, Status.ASSIGNED} == ACTIVE_STATUSES


def test_references_are_short_and_readable_aloud() -> None:
    reference = appointment_in(Status.REGISTERED).reference

    assert len(reference) == 9
    assert reference[4] == "-"
    assert not set(reference) & set("01OIL")
