"""The audit trail: every change leaves who, what, which record, when and from where."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actors import SYSTEM, Actor, Role
from domain.audit import AuditFilter, Source
from domain.errors import NotAllowed, SlotUnavailable
from domain.queries import audit_trail
from domain.staff import StaffRole
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.cancellation import CancelCommand, cancel
from domain.usecases.invitations import InviteCommand, accept_invitation, invite
from domain.usecases.language import choose_language
from domain.usecases.registration import RegisterCommand, register
from domain.usecases.reschedule import RescheduleCommand, reschedule
from domain.usecases.status import StatusCommand, change_status
from tests.unit.conftest import NOW
from tests.unit.fakes import FakeDatabase, fake_deps, seed_clinic

TUESDAY_10 = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)  # 10:00 in Lima
TUESDAY_11 = datetime(2026, 5, 5, 16, 0, tzinfo=UTC)
ADMIN = Actor(Role.ADMIN, 900, 900)


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


def actions(db: FakeDatabase) -> list[str]:
    return [entry.action for entry in db.audit]


async def test_a_booking_its_move_and_its_cancellation_are_each_audited(db, deps, clinic) -> None:
    ana = Actor(Role.PATIENT, clinic["ana"], 101)
    booked = await book(deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10))
    await reschedule(deps, ana, RescheduleCommand(booked.id, TUESDAY_11))
    await cancel(deps, ADMIN, CancelCommand(booked.id, reason="Ana's private reason"))

    assert actions(db) == [
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.cancelled",
    ]
    last = db.audit[-1]
    assert (last.actor_role, last.actor_id, last.source) == ("admin", 900, Source.BOT)
    assert (last.record_type, last.record_id) == ("appointment", str(booked.id))
    assert last.patient_id == clinic["ana"]
    assert last.at == NOW
    assert "private" not in repr(db.audit)


async def test_a_status_change_by_staff_is_audited_with_the_new_status(db, deps, clinic) -> None:
    ana = Actor(Role.PATIENT, clinic["ana"], 101)
    booked = await book(deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], TUESDAY_10))

    await change_status(deps, ADMIN, StatusCommand(booked.id, Status.ASSIGNED))

    assert actions(db)[-1] == "appointment.assigned"


async def test_registration_and_profile_changes_are_audited_without_personal_data(
    db, deps, clinic
) -> None:
    guest = Actor(Role.GUEST, None, 555)
    command = RegisterCommand("Rosa Flores", "PE", "40123456", "+51987654329", "es", NOW)
    patient = await register(deps, guest, command)
    await register(deps, Actor(Role.PATIENT, patient.id, 555), command)
    await choose_language(deps, Actor(Role.PATIENT, patient.id, 555), "en")

    assert actions(db) == ["patient.registered", "patient.profile_changed", "language.chosen"]
    assert {e.record_id for e in db.audit} == {str(patient.id)}
    written = repr(db.audit)
    for private in ("Rosa", "40123456", "987654329"):
        assert private not in written


async def test_a_change_that_fails_leaves_no_audit_entry(db, deps, clinic) -> None:
    ana = Actor(Role.PATIENT, clinic["ana"], 101)
    sunday = datetime(2026, 5, 10, 15, 0, tzinfo=UTC)

    with pytest.raises(SlotUnavailable):
        await book(deps, ana, BookCommand(clinic["doctor"], clinic["specialty"], sunday))

    assert db.audit == []


async def test_an_invitation_from_the_cli_and_its_acceptance_are_audited(db, clock, clinic) -> None:
    deps = fake_deps(db, clock, source=Source.CLI)
    issued = await invite(deps, SYSTEM, InviteCommand(StaffRole.DOCTOR, clinic["doctor"]))
    await accept_invitation(deps, Actor(Role.GUEST, None, 333), issued.token)

    assert actions(db) == ["invitation.created", "invitation.accepted", "role.doctor_linked"]
    created = db.audit[0]
    assert (created.actor_role, created.source) == ("system", Source.CLI)
    assert issued.token not in repr(db.audit)


async def test_an_admin_reads_the_audit_of_one_patient_newest_first(db, deps, clinic) -> None:
    for who, start in (("ana", TUESDAY_10), ("ben", TUESDAY_11)):
        actor = Actor(Role.PATIENT, clinic[who])
        await book(deps, actor, BookCommand(clinic["doctor"], clinic["specialty"], start))

    found = await audit_trail(deps, ADMIN, AuditFilter(patient_id=clinic["ben"]))

    assert [(e.action, e.patient_id) for e in found] == [("appointment.booked", clinic["ben"])]
    with pytest.raises(NotAllowed):
        await audit_trail(deps, Actor(Role.PATIENT, clinic["ana"]), AuditFilter())
