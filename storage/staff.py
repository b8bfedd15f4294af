"""Staff roles and invitations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.staff import Invitation, StaffGrant, StaffLink, StaffRole
from storage.tables import doctors, invitations, staff_roles


def _nothing() -> None:
    pass


class SqlStaff:
    """Implements :class:`domain.ports.StaffRepository` on one connection.

    ``doctors_changed`` runs when a doctor's link changes (the directory cache
    clears itself after the commit through it).
    """

    def __init__(
        self, conn: AsyncConnection, doctors_changed: Callable[[], None] = _nothing
    ) -> None:
        self._conn = conn
        self._doctors_changed = doctors_changed

    async def link_of(self, telegram_user_id: int) -> StaffLink:
        doctor = select(doctors.c.id).where(doctors.c.telegram_user_id == telegram_user_id)
        admin = exists().where(
            staff_roles.c.telegram_user_id == telegram_user_id,
            staff_roles.c.role == StaffRole.ADMIN.value,
            staff_roles.c.revoked_at.is_(None),
        )
        query = select(doctor.scalar_subquery().label("doctor_id"), admin.label("admin"))
        row = (await self._conn.execute(query)).one()
        return StaffLink(admin=bool(row.admin), doctor_id=row.doctor_id)

    async def grant(self, grant: StaffGrant) -> StaffGrant:
        result = await self._conn.execute(
            insert(staff_roles)
            .values(
                telegram_user_id=grant.telegram_user_id,
                role=grant.role.value,
                doctor_id=grant.doctor_id,
                granted_at=grant.granted_at,
                granted_by=grant.granted_by,
            )
            .returning(staff_roles.c.id)
        )
        grant.id = result.scalar_one()
        if grant.role is StaffRole.DOCTOR:
            await self._conn.execute(
                update(doctors)
                .where(doctors.c.id == grant.doctor_id)
                .values(telegram_user_id=grant.telegram_user_id)
            )
            self._doctors_changed()
        return grant

    async def revoke(
        self, telegram_user_id: int, role: StaffRole, at: datetime, by: str
    ) -> StaffGrant | None:
        rows = await self._conn.execute(
            update(staff_roles)
            .where(
                staff_roles.c.telegram_user_id == telegram_user_id,
                staff_roles.c.role == role.value,
                staff_roles.c.revoked_at.is_(None),
            )
            .values(revoked_at=at, revoked_by=by)
            .returning(*staff_roles.c)
        )
        found = rows.first()
        if role is StaffRole.DOCTOR:
            await self._conn.execute(
                update(doctors)
                .where(doctors.c.telegram_user_id == telegram_user_id)
                .values(telegram_user_id=None)
            )
            self._doctors_changed()
        return _grant(found) if found is not None else None

    async def active(self, role: StaffRole) -> list[StaffGrant]:
        query = (
            select(staff_roles)
            .where(and_(staff_roles.c.role == role.value, staff_roles.c.revoked_at.is_(None)))
            .order_by(staff_roles.c.granted_at, staff_roles.c.id)
        )
        return [_grant(row) for row in await self._conn.execute(query)]

    async def doctor_account(self, doctor_id: int) -> int | None:
        query = select(doctors.c.telegram_user_id).where(doctors.c.id == doctor_id)
        found: int | None = (await self._conn.execute(query)).scalar()
        return found


def _grant(row: Any) -> StaffGrant:
    return StaffGrant(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        role=StaffRole(row.role),
        doctor_id=row.doctor_id,
        granted_at=row.granted_at,
        granted_by=row.granted_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


class SqlInvitations:
    """Implements :class:`domain.ports.InvitationRepository` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, invitation: Invitation) -> Invitation:
        result = await self._conn.execute(
            insert(invitations)
            .values(
                role=invitation.role.value,
                doctor_id=invitation.doctor_id,
                token_hash=invitation.token_hash,
                created_at=invitation.created_at,
                expires_at=invitation.expires_at,
                created_by=invitation.created_by,
            )
            .returning(invitations.c.id)
        )
        invitation.id = result.scalar_one()
        return invitation

    async def get_by_hash(self, token_hash: str) -> Invitation | None:
        query = select(invitations).where(invitations.c.token_hash == token_hash)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return Invitation(
            id=row.id,
            role=StaffRole(row.role),
            doctor_id=row.doctor_id,
            token_hash=row.token_hash,
            created_at=row.created_at,
            expires_at=row.expires_at,
            created_by=row.created_by,
            used_at=row.used_at,
            used_by=row.used_by,
        )

    async def mark_used(self, invitation: Invitation) -> bool:
        result = await self._conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation.id, invitations.c.used_at.is_(None))
            .values(used_at=invitation.used_at, used_by=invitation.used_by)
        )
        return result.rowcount == 1
