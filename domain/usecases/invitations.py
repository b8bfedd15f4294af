"""Invitations: an admin invites a doctor or another admin; whoever opens the link
takes the role (``domain.staff`` has the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.actors import Actor, Role
from domain.audit import Action
from domain.errors import (
    InvalidInput,
    InvitationExpired,
    InvitationUnknown,
    InvitationUsed,
    NotAllowed,
    NotFound,
)
from domain.ports import Deps, UnitOfWork
from domain.staff import (
    INVITATION_TTL,
    Invitation,
    StaffGrant,
    StaffRole,
    looks_like_token,
    new_token,
    token_hash,
    token_matches,
)
from domain.usecases.shared import audit


def check_admin(actor: Actor) -> None:
    """Admins, and the operator at the command line (the system), manage the clinic:
    staff, doctors, hours, the catalog and API tokens."""
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise NotAllowed("only admins")


@dataclass(frozen=True, slots=True)
class InviteCommand:
    role: StaffRole
    doctor_id: int | None = None  # the doctor the invitation links; doctor invitations only
    ttl: timedelta = INVITATION_TTL


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    #: The raw token, for the deep link; it exists only here, never in storage or logs.
    token: str


async def invite(deps: Deps, actor: Actor, command: InviteCommand) -> IssuedInvitation:
    """Create a single-use invitation; the token is returned once and stored hashed."""
    check_admin(actor)
    if (command.role is StaffRole.DOCTOR) != (command.doctor_id is not None):
        raise InvalidInput("a doctor invitation names its doctor; an admin one none")
    if command.ttl <= timedelta(0):
        raise InvalidInput("an invitation must expire in the future")
    token = new_token()
    now = deps.clock.now()
    async with deps.uow() as uow:
        if command.doctor_id is not None and await uow.doctors.get(command.doctor_id) is None:
            raise NotFound("doctor")
        invitation = await uow.invitations.add(
            Invitation(
                id=None,
                role=command.role,
                doctor_id=command.doctor_id,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + command.ttl,
                created_by=str(actor),
            )
        )
        await audit(uow, deps, actor, Action.INVITED, ("invitation", invitation.id))
        await uow.commit()
    return IssuedInvitation(invitation, token)


@dataclass(frozen=True, slots=True)
class Accepted:
    role: StaffRole
    doctor_id: int | None
    doctor_name: str | None


async def accept_invitation(deps: Deps, actor: Actor, token: str) -> Accepted:
    """Give the role the invitation carries to the actor's Telegram account.

    ``InvitationUnknown``, ``InvitationExpired``, ``InvitationUsed``: nothing is linked.
    ``NotAllowed``: the account is already another doctor's. A doctor already linked to
    another account moves to this one (a new phone, say); the old link is revoked.
    """
    account = actor.telegram_user_id
    if account is None:
        raise NotAllowed("only a Telegram user accepts an invitation")
    if not looks_like_token(token):
        raise InvitationUnknown("malformed")
    now = deps.clock.now()
    async with deps.uow() as uow:
        invitation = await uow.invitations.get_by_hash(token_hash(token))
        if invitation is None or not token_matches(token, invitation.token_hash):
            raise InvitationUnknown("no such invitation")
        if invitation.used_at is not None:
            raise InvitationUsed(str(invitation.id))
        if now >= invitation.expires_at:
            raise InvitationExpired(str(invitation.id))
        doctor_name = None
        if invitation.role is StaffRole.DOCTOR:
            doctor_name = await _link_doctor(uow, actor, invitation, now)
            action, record = Action.DOCTOR_LINKED, ("doctor", invitation.doctor_id)
        else:
            if not (await uow.staff.link_of(account)).admin:
                await uow.staff.grant(_grant(account, invitation, now))
            action, record = Action.ADMIN_GRANTED, ("admin", account)
        invitation.used_at, invitation.used_by = now, account
        if not await uow.invitations.mark_used(invitation):
            raise InvitationUsed(str(invitation.id))  # accepted concurrently
        await audit(uow, deps, actor, Action.INVITATION_ACCEPTED, ("invitation", invitation.id))
        await audit(uow, deps, actor, action, record)
        await uow.commit()
    return Accepted(invitation.role, invitation.doctor_id, doctor_name)


async def _link_doctor(uow: UnitOfWork, actor: Actor, invitation: Invitation, now: datetime) -> str:
    account = actor.telegram_user_id or 0
    doctor = await uow.doctors.get(invitation.doctor_id or 0)
    if doctor is None:
        raise InvitationUnknown("the doctor is gone")
    linked = (await uow.staff.link_of(account)).doctor_id
    if linked is not None and linked != doctor.id:
        raise NotAllowed("this account is another doctor's")
    if linked is None:
        previous = await uow.staff.doctor_account(doctor.id or 0)
        if previous is not None:
            await uow.staff.revoke(previous, StaffRole.DOCTOR, now, str(actor))
        await uow.staff.grant(_grant(account, invitation, now))
    return doctor.full_name


def _grant(account: int, invitation: Invitation, now: datetime) -> StaffGrant:
    return StaffGrant(
        id=None,
        telegram_user_id=account,
        role=invitation.role,
        doctor_id=invitation.doctor_id,
        granted_at=now,
        granted_by=invitation.created_by,
    )
