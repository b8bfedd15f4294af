"""Staff roles, invitations and the audit log on every engine."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from domain.actors import Actor, Role
from domain.audit import AuditEntry, AuditFilter, Source
from domain.errors import InvitationUsed
from domain.queries import audit_trail, identify
from domain.staff import StaffGrant, StaffRole
from domain.usecases.invitations import InviteCommand, accept_invitation, invite
from domain.usecases.staff import revoke_admin, unlink_doctor
from storage.audit import SqlAuditLog
from storage.directory_cache import DirectoryCache
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import sql_deps
from tests.storage.conftest import NOW, make_clinic

ADMIN = Actor(Role.ADMIN, 900, 900)


def guest(telegram_user_id: int) -> Actor:
    return Actor(Role.GUEST, None, telegram_user_id)


def test_the_audit_repository_can_only_append_read_and_pseudonymise_an_erased_account() -> None:
    public = {n for n, _ in inspect.getmembers(SqlAuditLog, inspect.isfunction)}

    assert public - {"__init__"} == {"append", "latest", "pseudonymise"}


async def test_an_admin_action_leaves_its_audit_row(engine, clock) -> None:
    clinic = await make_clinic(engine)
    deps = sql_deps(engine, clock)

    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR, clinic.doctor))

    [entry] = await audit_trail(deps, ADMIN, AuditFilter(actor_role="admin", actor_id=900))
    assert (entry.action, entry.record_type) == ("invitation.created", "invitation")
    assert entry.record_id == str(issued.invitation.id)
    assert (entry.at, entry.source) == (NOW, Source.BOT)


async def test_a_doctor_linked_by_invitation_is_identified_and_unlinked_again(
    engine, clock
) -> None:
    clinic = await make_clinic(engine)
    directory = DirectoryCache()
    deps = sql_deps(engine, clock, directory=directory)
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.DOCTOR, clinic.doctor))

    await accept_invitation(deps, guest(7001), issued.token)
    assert await identify(deps, 7001) == Actor(Role.DOCTOR, clinic.doctor)
    async with deps.uow(read_only=True) as uow:
        [doctor] = await uow.doctors.list_for("PE")
    assert doctor.telegram_user_id == 7001

    await unlink_doctor(deps, ADMIN, clinic.doctor)
    assert (await identify(deps, 7001)).role is Role.GUEST
    async with deps.uow(read_only=True) as uow:
        [doctor] = await uow.doctors.list_for("PE")  # the cache was cleared on commit
    assert doctor.telegram_user_id is None


async def test_an_invitation_is_used_once_even_when_opened_twice(engine, clock) -> None:
    await make_clinic(engine)
    deps = sql_deps(engine, clock)
    issued = await invite(deps, ADMIN, InviteCommand(StaffRole.ADMIN, ttl=timedelta(hours=1)))
    await accept_invitation(deps, guest(8001), issued.token)

    with pytest.raises(InvitationUsed):
        await accept_invitation(deps, guest(8002), issued.token)

    assert (await identify(deps, 8001)).role is Role.ADMIN
    assert (await identify(deps, 8002)).role is Role.GUEST


async def test_a_revoked_admin_keeps_the_grant_row_and_may_be_granted_again(engine, clock) -> None:
    deps = sql_deps(engine, clock)
    grant = StaffGrant(None, 8001, StaffRole.ADMIN, None, NOW, "system")
    async with SqlUnitOfWork(engine) as uow:
        await uow.staff.grant(grant)
        await uow.commit()

    await revoke_admin(deps, ADMIN, 8001)
    async with SqlUnitOfWork(engine) as uow:
        await uow.staff.grant(StaffGrant(None, 8001, StaffRole.ADMIN, None, NOW, "system"))
        await uow.commit()

    async with SqlUnitOfWork(engine, read_only=True) as uow:
        [active] = await uow.staff.active(StaffRole.ADMIN)
    assert active.telegram_user_id == 8001
    actions = [e.action for e in await audit_trail(deps, ADMIN, AuditFilter())]
    assert actions == ["role.admin_revoked"]


async def test_the_database_refuses_two_grants_in_force_of_one_role(engine) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.staff.grant(StaffGrant(None, 8001, StaffRole.ADMIN, None, NOW, "system"))
        with pytest.raises(IntegrityError):
            await uow.staff.grant(StaffGrant(None, 8001, StaffRole.ADMIN, None, NOW, "system"))


async def test_a_rolled_back_change_leaves_no_audit_row(engine, clock) -> None:
    clinic = await make_clinic(engine)
    deps = sql_deps(engine, clock)
    async with deps.uow() as uow:
        await uow.invitations.get_by_hash("0" * 64)
        await uow.audit.append(
            AuditEntry.of(
                ADMIN, "invitation.created", ("doctor", clinic.doctor), at=NOW, source=Source.BOT
            )
        )  # no commit

    assert await audit_trail(deps, ADMIN, AuditFilter()) == []
