"""Invitations and staff roles: who may invite, what opening a link does, and what not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.actors import SYSTEM, Actor, Role
from domain.entities import ClinicProfile
from domain.errors import (
    InvalidInput,
    InvitationExpired,
    InvitationUnknown,
    InvitationUsed,
    NotAllowed,
    NotFound,
)
from domain.queries import identify, identity, staff_members
from domain.staff import StaffRole, token_hash
from domain.usecases.invitations import InviteCommand, accept_invitation, invite
from domain.usecases.staff import revoke_admin, unlink_doctor
from tests.unit.fakes import FakeClock, FakeDatabase, fake_deps, seed_clinic

ADMIN = Actor(Role.ADMIN, 900, 900)
DOCTOR_CHAT = 333
ANA_CHAT = 101  # seed_clinic's Ana


@pytest.fixture
async def clinic(db: FakeDatabase) -> dict[str, int]:
    return await seed_clinic(db)


def guest(telegram_user_id: int) -> Actor:
    return Actor(Role.GUEST, None, telegram_user_id)


async def test_a_doctor_who_opens_their_invitation_is_linked_and_identified_as_that_doctor(
    db, deps, clinic
) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR, clinic["doctor"]))

    accepted = await accept_invitation(deps, guest(DOCTOR_CHAT), issued.token)

    assert (accepted.role, accepted.doctor_name) == (StaffRole.DOCTOR, "Dr. Uno")
    assert db.doctors[clinic["doctor"]].telegram_user_id == DOCTOR_CHAT
    assert await identify(deps, DOCTOR_CHAT) == Actor(Role.DOCTOR, clinic["doctor"])


async def test_only_the_tokens_hash_is_stored(db, deps, clinic) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.ADMIN))

    [stored] = db.invitations.values()
    assert stored.token_hash == token_hash(issued.token)
    assert issued.token not in repr(stored)


async def test_an_invitation_works_once(db, deps, clinic) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.ADMIN))
    await accept_invitation(deps, guest(444), issued.token)

    with pytest.raises(InvitationUsed):
        await accept_invitation(deps, guest(555), issued.token)

    assert (await identify(deps, 555)).role is Role.GUEST


async def test_an_expired_invitation_links_nothing(db, deps, clinic, clock: FakeClock) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR, clinic["doctor"]))
    clock.advance(timedelta(days=7))

    with pytest.raises(InvitationExpired):
        await accept_invitation(deps, guest(DOCTOR_CHAT), issued.token)

    assert db.doctors[clinic["doctor"]].telegram_user_id is None


@pytest.mark.parametrize("token", ["x" * 32, "short", "'; DROP TABLE invitations; --", ""])
async def test_a_forged_token_is_unknown_and_links_nothing(db, deps, clinic, token) -> None:
    await invite(deps, ADMIN, InviteCommand(StaffRole.ADMIN))

    with pytest.raises(InvitationUnknown):
        await accept_invitation(deps, guest(444), token)

    assert not db.staff


@pytest.mark.parametrize(
    "actor", [guest(1), Actor(Role.PATIENT, 1, 101), Actor(Role.DOCTOR, 1, 333)], ids=str
)
async def test_only_admins_invite(deps, clinic, actor) -> None:
    with pytest.raises(NotAllowed):
        await invite(deps, actor, InviteCommand(StaffRole.ADMIN))


async def test_a_doctor_invitation_names_an_existing_doctor(deps, clinic) -> None:
    with pytest.raises(InvalidInput):
        await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR))
    with pytest.raises(NotFound):
        await invite(deps, SYSTEM, InviteCommand(StaffRole.DOCTOR, 999))


async def test_an_admin_who_also_registered_books_as_a_patient(db, deps, clinic) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.ADMIN))
    await accept_invitation(deps, Actor(Role.PATIENT, clinic["ana"], ANA_CHAT), issued.token)

    found = await identity(deps, ANA_CHAT)

    assert found.actor == Actor(Role.ADMIN, ANA_CHAT)
    assert found.as_patient() == Actor(Role.PATIENT, clinic["ana"])
    assert found.as_doctor() is None


async def test_admin_telegram_ids_are_admins_without_a_database_row(db, clock, clinic) -> None:
    deps = fake_deps(db, clock, admin_ids=frozenset({ANA_CHAT}))

    found = await identity(deps, ANA_CHAT)

    assert found.as_admin() == Actor(Role.ADMIN, ANA_CHAT)
    assert found.patient is not None
    with pytest.raises(NotAllowed):
        await revoke_admin(deps, ADMIN, ANA_CHAT)


async def test_a_revoked_admin_is_no_admin_and_the_grant_is_kept(db, deps, clinic) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.ADMIN))
    await accept_invitation(deps, guest(444), issued.token)

    await revoke_admin(deps, ADMIN, 444)

    assert (await identify(deps, 444)).role is Role.GUEST
    [grant] = db.staff
    assert (grant.revoked_by, grant.revoked_at is not None) == (str(ADMIN), True)
    with pytest.raises(NotFound):
        await revoke_admin(deps, ADMIN, 444)


async def test_a_revoked_admin_leaves_the_clinic_files_admins_too(db, deps, clinic) -> None:
    db.clinic = ClinicProfile("Clínica", admin_telegram_ids=(444, 555))
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.ADMIN))
    await accept_invitation(deps, guest(444), issued.token)

    await revoke_admin(deps, ADMIN, 444)

    assert db.clinic.admin_telegram_ids == (555,)


async def test_an_unlinked_doctor_is_no_longer_identified(db, deps, clinic) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR, clinic["doctor"]))
    await accept_invitation(deps, guest(DOCTOR_CHAT), issued.token)

    await unlink_doctor(deps, ADMIN, clinic["doctor"])

    assert (await identify(deps, DOCTOR_CHAT)).role is Role.GUEST
    assert db.doctors[clinic["doctor"]].telegram_user_id is None
    with pytest.raises(NotFound):
        await unlink_doctor(deps, ADMIN, clinic["doctor"])


async def test_a_doctor_relinked_from_a_new_account_leaves_the_old_one(db, deps, clinic) -> None:
    for account in (DOCTOR_CHAT, 334):
        issued = await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR, clinic["doctor"]))
        await accept_invitation(deps, guest(account), issued.token)

    assert (await identify(deps, DOCTOR_CHAT)).role is Role.GUEST
    assert await identify(deps, 334) == Actor(Role.DOCTOR, clinic["doctor"])
    assert [g.revoked_at is None for g in db.staff] == [False, True]


async def test_a_non_admin_cannot_unlink_or_revoke(deps, clinic) -> None:
    patient = Actor(Role.PATIENT, clinic["ana"], ANA_CHAT)
    with pytest.raises(NotAllowed):
        await unlink_doctor(deps, patient, clinic["doctor"])
    with pytest.raises(NotAllowed):
        await revoke_admin(deps, patient, 444)


async def test_an_admin_lists_the_linked_doctors_and_a_doctor_may_not(deps, clinic) -> None:
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR, clinic["doctor"]))
    await accept_invitation(deps, guest(DOCTOR_CHAT), issued.token)

    [linked] = await staff_members(deps, ADMIN, StaffRole.DOCTOR)

    assert (linked.doctor_id, linked.telegram_user_id) == (clinic["doctor"], DOCTOR_CHAT)
    assert await staff_members(deps, ADMIN, StaffRole.ADMIN) == []
    with pytest.raises(NotAllowed):
        await staff_members(
            deps, Actor(Role.DOCTOR, clinic["doctor"], DOCTOR_CHAT), StaffRole.ADMIN
        )
